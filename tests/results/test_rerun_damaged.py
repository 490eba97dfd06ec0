"""`peftbench run` on a folder with a damaged record moves it aside (never deletes it) and runs
that cell again; every other record is left exactly as it was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ARGS = ["--set", "methods=[frozen]", "--backend", "inline", "--no-progress"]


def run(out: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "peftbench", "run", "smoke", "--out", str(out), *ARGS, *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_run_moves_a_damaged_record_aside_and_reruns_only_that_cell(tmp_path: Path) -> None:
    out = tmp_path / "results"
    first = run(out)
    assert first.returncode == 0, first.stderr[-3000:]
    runs = {d.name.split("__")[1]: d for d in (out / "runs").iterdir()}
    assert sorted(runs) == ["toy-addition", "toy-sentiment"]
    hit, kept = runs["toy-sentiment"], runs["toy-addition"]
    score = json.loads((hit / "metrics.json").read_text())["score"]
    damaged_text = (hit / "metrics.json").read_text()[:20]
    (hit / "metrics.json").write_text(damaged_text)
    kept_files = {p.name: p.read_bytes() for p in kept.iterdir() if p.is_file()}

    shown = subprocess.run(
        [sys.executable, "-m", "peftbench", "show", str(out)], capture_output=True, text=True
    )
    assert shown.returncode == 0 and "DAMAGED" in shown.stdout and "metrics.json" in shown.stdout

    dry = run(out, "--dry-run")
    assert dry.returncode == 0 and f"damaged {hit.name}" in dry.stdout
    assert f"done    {kept.name}" in dry.stdout

    second = run(out)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "damaged record" in second.stdout and "1 of 2 runs already complete" in second.stdout
    aside = list((out / "damaged").iterdir())
    assert len(aside) == 1 and aside[0].name.startswith(hit.name)
    assert (aside[0] / "metrics.json").read_text() == damaged_text  # kept, not deleted
    assert json.loads((hit / "metrics.json").read_text())["score"] == score  # rerun, same score
    assert {p.name: p.read_bytes() for p in kept.iterdir() if p.is_file()} == kept_files
    board = json.loads((out / "leaderboard.json").read_text())
    assert board["damaged"] == [] and board["rows"][0]["runs"] == 2
