"""Intervals, ties and baselines as the leaderboard, `show`, every report format and `compare`
show them, on a hand-made grid whose answer is known (data/tie_cells.json): lora is best, ia3
ties with it (two items apart on 200), prompt_tuning is below; frozen and full are references."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from reports_util import peftbench
from synthetic import load_grid, write_results

from peftbench.board.build import of_folder
from peftbench.board.serialise import to_json
from peftbench.reports.collect import collect
from peftbench.reports.compare import compare
from peftbench.reports.leaderboard import render_json
from peftbench.results.folder import read_folder


@pytest.fixture()
def grid_dir(tmp_path: Path) -> Path:
    return write_results(tmp_path / "grid", load_grid("tie_cells.json"))


def rows_of(board: dict) -> dict[str, dict]:
    return {r["method"]: r for r in board["rows"]}


def test_leaderboard_marks_ties_and_keeps_baselines_apart(grid_dir: Path) -> None:
    board = to_json(of_folder(read_folder(grid_dir)))
    rows = rows_of(board)
    assert [r["method"] for r in board["rows"]][-2:] == ["frozen", "full"]  # references last
    assert rows["frozen"]["pscp"] is None and rows["full"]["pscp"] is None
    assert (rows["lora"]["tie"], rows["ia3"]["tie"], rows["prompt_tuning"]["tie"]) == (
        "best",
        "tie",
        None,
    )
    assert rows["full"]["tie"] is None  # full scores highest, but is not a contestant
    # equal costs: lora's PSCP lead over ia3 is inside the score noise -> a PSCP tie
    assert rows["lora"]["pscp_tie"] == "best" and rows["ia3"]["pscp_tie"] == "tie"
    assert rows["prompt_tuning"]["pscp_tie"] is None
    # rank intervals: ia3 (tied) reaches rank 1 in some replicates (equal values share the
    # better rank, so lora stays 1); the clear last is 3 in every replicate
    assert rows["lora"]["pscp_rank"] == [1, 1] and rows["ia3"]["pscp_rank"] == [1, 2]
    assert rows["prompt_tuning"]["pscp_rank"] == [3, 3] and rows["frozen"]["pscp_rank"] is None
    vs = rows["lora"]["vs_reference"]
    assert rows["lora"]["reference"] == "frozen"
    assert vs["estimate"] == pytest.approx(30.0) and vs["low"] > 15.0 and vs["significant"]
    low, high = rows["lora"]["score_ci"]
    assert low < 60.0 < high and 10.0 < high - low < 16.0  # +-6.8 at 60 % of 200 items
    for model_sens in board["sensitivity"].values():  # PEFT methods only
        methods = {m for t in model_sens["pscp"]["table"] for m in t["scores"]}
        assert methods == {"lora", "ia3", "prompt_tuning"}
    text = render_json(board)
    lines = {line.split("|")[2].strip(): line for line in text.splitlines() if line.count("|") > 5}
    assert " *" in lines["lora"].split("|")[3] and " =" in lines["ia3"].split("|")[3]
    assert "=" not in lines["prompt_tuning"].split("|")[3]
    assert "reference" in lines["frozen"]
    assert text.index("baselines (references, not ranked)") < text.index("| frozen")
    assert "paired bootstrap" in text


def test_every_report_format_shows_intervals_ties_and_references(
    grid_dir: Path, tmp_path: Path
) -> None:
    md = peftbench(
        "report", str(grid_dir), "--format", "md", "--out", "-", "--table", "main", cwd=tmp_path
    )
    assert md.returncode == 0, md.stderr
    assert "| ia3 | 59.0 ±" in md.stdout and "=" in md.stdout.split("| ia3 |")[1].split("\n")[0]
    assert "baselines (references, not ranked):" in md.stdout
    assert "paired bootstrap" in md.stdout
    out = tmp_path / "r"
    assert (
        peftbench(
            "report", str(grid_dir), "--format", "csv", "--out", str(out), cwd=tmp_path
        ).returncode
        == 0
    )
    rows = {
        r["method"]: r for r in csv.DictReader(io.StringIO((tmp_path / "r-main.csv").read_text()))
    }
    assert rows["ia3"]["avg mark"] == "tie" and rows["lora"]["avg mark"] == "best"
    assert float(rows["ia3"]["avg ci_low"]) < 59.0 < float(rows["ia3"]["avg ci_high"])
    assert rows["frozen"]["baseline"] == "True" and rows["frozen"]["pscp"] == ""
    assert (
        peftbench(
            "report", str(grid_dir), "--format", "latex", "--out", str(out), cwd=tmp_path
        ).returncode
        == 0
    )
    assert (
        peftbench(
            "report", str(grid_dir), "--format", "json", "--out", str(out) + ".json", cwd=tmp_path
        ).returncode
        == 0
    )
    data = json.loads(Path(str(out) + ".json").read_text())
    assert data["board"]["uncertainty"]["test"] == "paired bootstrap"
    assert peftbench("report", str(grid_dir), cwd=tmp_path).returncode == 0
    page = (grid_dir / "report.html").read_text()
    ia3_row = page.split(">ia3<")[1].split("</tr>")[0]
    assert 'class="tie"' in ia3_row
    reference = page.split('<tbody class="reference">')[1].split("</tbody>")[0]
    assert ">frozen<" in reference and ">full<" in reference and ">lora<" not in reference
    show = peftbench("show", str(grid_dir), cwd=tmp_path)
    assert (
        show.returncode == 0 and "59.0 ±" in show.stdout and "baselines (references" in show.stdout
    )
    run = next((grid_dir / "runs").glob("*__lora__*"))
    one = peftbench("show", str(run), cwd=tmp_path)
    assert one.returncode == 0 and "score 60.00 (accuracy) 95% CI [" in one.stdout


def test_html_escapes_what_records_say(grid_dir: Path) -> None:
    from peftbench.reports.html import render as html

    data = json.loads(json.dumps(collect(grid_dir).view))
    data["board"]["rows"][0]["method"] = "<script>alert(1)</script>"
    page = html(data)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_compare_paired_passes_noise_and_fails_a_real_drop(tmp_path: Path) -> None:
    grid = load_grid("tie_cells.json")
    base = write_results(tmp_path / "base", grid)
    noisy = write_results(tmp_path / "noisy", grid, {"lora": 118})  # one point, inside the noise
    worse = write_results(tmp_path / "worse", grid, {"lora": 90})  # 15 points down
    welch = compare(noisy, base)  # one seed: Welch cannot test, the drop alone decides
    assert not welch["passed"]
    paired = compare(noisy, base, test="paired")
    lora = next(p for p in paired["pairs"] if p["method"] == "lora")
    assert lora["average"]["verdict"] == "worse, within noise" and paired["passed"]
    dropped = compare(worse, base, test="paired")
    assert not dropped["passed"]
    lora = next(p for p in dropped["pairs"] if p["method"] == "lora")
    assert lora["average"]["paired"]["ci_high"] < 0
    cli = peftbench("compare", str(noisy), str(base), "--test", "paired", cwd=tmp_path)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "paired bootstrap" in cli.stdout
