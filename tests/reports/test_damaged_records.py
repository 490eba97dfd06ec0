"""A damaged or partial record never takes a results folder down (issue 14 §2).

Each kind of damage is applied to one file of a copy of the checked-in results folder
(tests/data/records/v1), then `show`, `report` in every format and `compare` (with the damaged
folder on either side) must exit normally, name the damaged file, leave the damaged run out of
every figure, and show everything else exactly as before.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from record_util import V1

from peftbench.cli import main

LORA = "runs/tiny-llama__toy-sentiment__lora__s42__df61f14d0e"
FILES = [
    f"{LORA}/metrics.json",
    f"{LORA}/status.json",
    f"{LORA}/config.json",
    f"{LORA}/efficiency.json",
    f"{LORA}/provenance.json",
    "suite.json",
]
KINDS = {
    "truncated": lambda text: text[: len(text) // 2],
    "empty": lambda text: "",
    "not an object": lambda text: "null",
}
FORMATS = ["md", "csv", "latex", "json", "html"]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out + out.err


@pytest.fixture()
def clean(tmp_path: Path) -> Path:
    dst = tmp_path / "clean"
    shutil.copytree(V1, dst)
    return dst


def _damaged(clean: Path, tmp_path: Path, name: str, kind: str) -> Path:
    dst = tmp_path / "damaged"
    shutil.copytree(clean, dst)
    path = dst / name
    path.write_text(KINDS[kind](path.read_text()))
    return dst


def _rows(report_json: str) -> dict[str, dict]:
    board = json.loads(report_json)["board"]
    return {r["method"]: r for r in board["rows"]}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", FILES)
def test_show_report_and_compare_survive_damage(
    capsys: pytest.CaptureFixture[str], clean: Path, tmp_path: Path, name: str, kind: str
) -> None:
    damaged = _damaged(clean, tmp_path, name, kind)
    file = Path(name).name

    code, out = cli(capsys, "show", str(damaged))
    assert code == 0 and "DAMAGED" in out and file in out

    code, before = cli(capsys, "report", str(clean), "--format", "json", "--out", "-")
    assert code == 0
    code, after = cli(capsys, "report", str(damaged), "--format", "json", "--out", "-")
    assert code == 0
    data = json.loads(after)
    if name == "suite.json":  # the folder-level file: runs read as before, default scoring
        assert [d["file"] for d in data["board"]["damaged_files"]] == ["suite.json"]
        assert _rows(after) == _rows(before)
    else:  # the one run is left out of every figure; everything else is unchanged
        assert [d["file"] for d in data["board"]["damaged"]] == [file]
        assert data["counts"]["damaged"] == 1 and data["counts"]["ok"] == 3
        rows, rows_before = _rows(after), _rows(before)
        assert rows["lora"]["scores"]["toy-sentiment"] is None
        assert rows["lora"]["score"] == rows_before["lora"]["scores"]["toy-addition"]
        # the frozen row's own figures (its L also moves with the grid's reference base
        # latency, the median over the runs left in; issue 11)
        frozen = {k: rows["frozen"][k] for k in ("scores", "score", "slowdown_pct")}
        assert frozen == {k: rows_before["frozen"][k] for k in frozen}

    code, md = cli(capsys, "report", str(damaged), "--format", "md", "--out", "-")
    problems = md.split("### Failed and missing runs")[1]
    assert "| damaged |" in problems and file in problems
    for fmt in FORMATS:
        code, out = cli(
            capsys, "report", str(damaged), "--format", fmt, "--out", str(tmp_path / fmt)
        )
        assert code == 0, out

    for new, base in ((damaged, clean), (clean, damaged)):
        code, out = cli(capsys, "compare", str(new), str(base))
        assert code in (0, 1) and "DAMAGED" in out and file in out


def test_a_run_folder_with_a_damaged_file_is_shown_as_damaged(
    capsys: pytest.CaptureFixture[str], clean: Path, tmp_path: Path
) -> None:
    damaged = _damaged(clean, tmp_path, f"{LORA}/efficiency.json", "truncated")
    code, out = cli(capsys, "show", str(damaged / LORA))
    assert code == 0
    assert "damaged" in out and "efficiency.json: not valid JSON" in out
    assert "method lora  dataset toy-sentiment" in out


def test_a_folder_whose_every_record_is_damaged_still_reports(
    capsys: pytest.CaptureFixture[str], clean: Path, tmp_path: Path
) -> None:
    for status in clean.glob("runs/*/status.json"):
        status.write_text('{"sta')
    for fmt in FORMATS:
        code, out = cli(capsys, "report", str(clean), "--format", fmt, "--out", str(tmp_path / fmt))
        assert code == 0, out
    data = json.loads((tmp_path / "json").read_text())
    assert data["counts"]["damaged"] == 5 and data["board"]["rows"] == []
    code, out = cli(capsys, "compare", str(V1), str(clean))
    assert code == 2 and "5 damaged record(s) left out" in out


@pytest.mark.parametrize("bad", [0.0, "x", -1.0, None])
def test_a_timing_sample_readers_would_divide_by_is_damage_not_a_crash(
    capsys: pytest.CaptureFixture[str], clean: Path, bad: object
) -> None:
    path = clean / LORA / "efficiency.json"
    data = json.loads(path.read_text())
    data["base_latency_samples_ms"][0] = bad
    path.write_text(json.dumps(data))
    code, out = cli(capsys, "show", str(clean))
    assert code in (0, 1) and "DAMAGED" in out and "base_latency_samples_ms" in out
