"""Intervals, ties and baselines as the leaderboard, `show`, every report format and `compare`
show them, on a hand-made grid whose answer is known (data/tie_cells.json): lora is best, ia3
ties with it (two items apart on 200), prompt_tuning is below; frozen and full are references."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from reports_util import peftbench
from synthetic import load_grid, write_results

from peftbench.board.build import of_folder
from peftbench.board.serialise import to_json
from peftbench.reports.collect import collect
from peftbench.reports.compare import compare
from peftbench.reports.leaderboard import render
from peftbench.results.folder import read_folder


@pytest.fixture()
def grid_dir(tmp_path: Path) -> Path:
    return write_results(tmp_path / "grid", load_grid("tie_cells.json"))


def rows_of(board: dict) -> dict[str, dict]:
    return {r["method"]: r for r in board["rows"]}


def test_leaderboard_marks_the_best_set_and_keeps_baselines_apart(grid_dir: Path) -> None:
    typed = of_folder(read_folder(grid_dir))
    board = to_json(typed)
    rows = rows_of(board)
    assert [r["method"] for r in board["rows"]][-2:] == ["frozen", "full"]  # references last
    assert rows["frozen"]["pscp"] is None and rows["full"]["pscp"] is None
    # lora 60 and ia3 59 cannot be told apart: both in the 95 % confidence set for the best
    best = {m: rows[m]["best_set"]["score"] for m in ("lora", "ia3", "prompt_tuning")}
    assert best == {"lora": True, "ia3": True, "prompt_tuning": False}
    assert rows["lora"]["score_rank"] == [1, 2] and rows["prompt_tuning"]["score_rank"] == [3, 3]
    assert not rows["full"]["best_set"]["score"]  # full scores highest, but is not a contestant
    assert rows["full"]["score_rank"] is None
    # equal costs: lora's PSCP lead over ia3 is inside the score noise
    assert rows["lora"]["best_set"]["pscp"] and rows["ia3"]["best_set"]["pscp"]
    assert not rows["prompt_tuning"]["best_set"]["pscp"]
    assert rows["lora"]["pscp_rank"] == [1, 2] and rows["ia3"]["pscp_rank"] == [1, 2]
    assert rows["prompt_tuning"]["pscp_rank"] == [3, 3] and rows["frozen"]["pscp_rank"] is None
    ranked = board["rankings"]["tiny-llama"]
    assert set(ranked["score"]["best_set"]) == {"lora", "ia3"} and ranked["score"]["winner"]
    assert set(ranked["score"]["beats_reference"]) >= {"lora", "ia3"}
    vs = rows["lora"]["vs_reference"]
    assert rows["lora"]["reference"] == "frozen"
    assert vs["estimate"] == pytest.approx(30.0) and vs["low"] > 15.0 and vs["significant"]
    low, high = rows["lora"]["score_ci"]
    assert low < 60.0 < high and 10.0 < high - low < 16.0  # Wilson at 60 % of 200 items
    assert rows["lora"]["noise"] == "eval-item noise only (1 seed)"
    for model_sens in board["sensitivity"].values():  # PEFT methods only
        methods = {m for t in model_sens["pscp"]["table"] for m in t["scores"]}
        assert methods == {"lora", "ia3", "prompt_tuning"}
        assert all(set(t["best_set"]) == {"lora", "ia3"} for t in model_sens["pscp"]["table"])
        assert model_sens["pscp"]["inside_noise"] == 27
    text = render(typed)
    lines = {line.split("|")[2].strip(): line for line in text.splitlines() if line.count("|") > 5}
    assert " *" in lines["lora"].split("|")[3] and " *" in lines["ia3"].split("|")[3]
    assert "*" not in lines["prompt_tuning"].split("|")[3]
    assert "reference" in lines["frozen"]
    assert text.index("baselines (references, not ranked)") < text.index("| frozen")
    assert "confidence set for the best" in text and "eval-item noise only (1 seed)" in text


def test_every_report_format_shows_intervals_best_sets_and_references(
    grid_dir: Path, tmp_path: Path
) -> None:
    md = peftbench(
        "report", str(grid_dir), "--format", "md", "--out", "-", "--table", "main", cwd=tmp_path
    )
    assert md.returncode == 0, md.stderr
    ia3 = md.stdout.split("| ia3 |")[1].split("\n")[0]
    assert ia3.startswith(" 59.0 [52.1, 65.6] *") and "1-2" in ia3  # asymmetric, marked
    assert "baselines (references, not ranked):" in md.stdout
    assert "confidence set for the best" in md.stdout and "(1 seed)" in md.stdout
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
    assert (
        rows["ia3"]["avg best set"] == "True" and rows["prompt_tuning"]["avg best set"] == "False"
    )
    assert rows["ia3"]["avg rank low"] == "1" and rows["ia3"]["avg rank high"] == "2"
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
    assert "max-t" in data["board"]["uncertainty"]["test"]
    assert peftbench("report", str(grid_dir), cwd=tmp_path).returncode == 0
    page = (grid_dir / "report.html").read_text()
    ia3_row = page.split(">ia3<")[1].split("</tr>")[0]
    assert 'class="best"' in ia3_row
    reference = page.split('<tbody class="reference">')[1].split("</tbody>")[0]
    assert ">frozen<" in reference and ">full<" in reference and ">lora<" not in reference
    show = peftbench("show", str(grid_dir), cwd=tmp_path)
    assert (
        show.returncode == 0
        and "59.0 [52.1, 65.6] *" in show.stdout
        and "baselines (references" in show.stdout
    )
    run = next((grid_dir / "runs").glob("*__lora__*"))
    one = peftbench("show", str(run), cwd=tmp_path)
    assert one.returncode == 0 and "score 60.00 (accuracy) 95% CI [" in one.stdout


def test_html_escapes_what_records_say(grid_dir: Path) -> None:
    from peftbench.reports.html import render as html

    data = collect(grid_dir)
    evil = "<script>alert(1)</script>"
    view = json.loads(json.dumps(data.view))
    view["board"]["rows"][0]["method"] = evil  # the embedded data, and the typed board
    rows = (replace(data.board.rows[0], method=evil), *data.board.rows[1:])
    page = html(replace(data, board=replace(data.board, rows=rows), view=view))
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
