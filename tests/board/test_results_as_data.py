"""Results as data: leaderboard.json and records.jsonl load with pandas and with `datasets`' JSON
loader in the one line each that docs/interop.md documents; this runs exactly those lines, on a
folder of our own runs and on a folder of imported HF peft results."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from board_util import results

from peftbench.cli import main
from peftbench.reports.leaderboard import write
from peftbench.results.as_data import RECORDS_FILE
from peftbench.results.folder import read_folder

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "interop.md"
HF_PEFT = ROOT / "tests" / "data" / "hf_peft"
MARK = "<!-- results-as-data:"

CHECK = """
import json as _json
_board = _json.load(open("results/hf-peft/leaderboard.json"))
_records = [_json.loads(line) for line in open("results/hf-peft/records.jsonl")]
print("RESULT " + _json.dumps({
    "board": [len(board), sorted(board.columns)],
    "board_ds": [board_ds.num_rows, sorted(board_ds.column_names)],
    "runs": [len(runs), sorted(runs.columns)],
    "runs_ds": [runs_ds.num_rows, sorted(runs_ds.column_names)],
    "rows": len(_board["rows"]), "records": len(_records),
    "scores": [float(x) for x in board["score"]],
    "ds_scores": [float(x) for x in board_ds["score"]],
    "run_ids": sorted(runs["run_id"]), "ds_run_ids": sorted(runs_ds["run_id"]),
}))
"""


def documented_lines() -> str:
    """The Python block right after the results-as-data marker in docs/interop.md."""
    text = DOC.read_text(encoding="utf-8")
    after = text[text.index(MARK) :]
    match = re.search(r"```python\n(.*?)```", after, re.S)
    assert match, "docs/interop.md: no python block after the results-as-data marker"
    return match.group(1)


def _run_documented(cwd: Path, tmp: Path) -> dict:
    env = {
        **os.environ,
        "HF_DATASETS_CACHE": str(tmp / "hf-cache"),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
    }
    proc = subprocess.run(
        [sys.executable, "-c", documented_lines() + CHECK],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    out: dict = json.loads(line.removeprefix("RESULT "))
    return out


def test_the_documented_block_has_one_line_per_file_and_loader() -> None:
    code = documented_lines()
    loads = [x for x in code.splitlines() if "=" in x and not x.startswith(("import", "from"))]
    assert len(loads) == 4  # pandas and datasets, for each of the two files
    assert all(
        ("leaderboard.json" in x) != (RECORDS_FILE in x) for x in loads
    )  # each line loads one file


@pytest.mark.parametrize("source", ["ours", "hf-peft"])
def test_the_documented_lines_load_both_files(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "work" / "results" / "hf-peft"
    if source == "ours":
        shutil.copytree(results("smoke", tmp_path / "in"), folder)
        write(folder)
    else:
        assert main(["import", "hf-peft", str(HF_PEFT), "--out", str(folder)]) == 0
        capsys.readouterr()
    got = _run_documented(tmp_path / "work", tmp_path)
    records = read_folder(folder).records
    assert got["rows"] == got["board"][0] == got["board_ds"][0] > 0
    assert got["records"] == got["runs"][0] == got["runs_ds"][0] == len(records)
    assert got["scores"] == pytest.approx(got["ds_scores"])
    assert got["run_ids"] == got["ds_run_ids"] == sorted(r.run_id for r in records)
    for column in ("score", "method", "best_set.score", "costs.train_seconds"):
        assert column in got["board"][1]
    for column in ("score", "trainable_params", "latency_ms_per_token", "state", "source"):
        assert column in got["runs"][1] and column in got["runs_ds"][1]
