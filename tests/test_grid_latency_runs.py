"""A grid with several seeds of one (model, method) times it in at least two independent latency
runs, so its slowdown interval counts run-to-run variance (issue 22 section 4; the policy is
`efficiency.latency_cache.RUNS_PER_STRUCTURE`, the interval `efficiency.paired.runs_slowdown`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

GRID = ["--set", "methods=[lora]", "--set", "datasets=[toy-addition]", "--set", "seeds=[1,2,3]"]
GRID += ["--set", "training.max_steps=2", "--set", "measurement.flops=false"]
GRID += [
    "--set",
    "measurement.latency={prompt_tokens: 8, new_tokens: 2, warmup: 0, min_pairs: 2, max_pairs: 2}",
]


@pytest.mark.slow
def test_three_seeds_give_two_latency_runs_and_a_run_level_interval(tmp_path: Path) -> None:
    out = tmp_path / "results"
    cmd = [sys.executable, "-m", "peftbench", "run", "smoke", "--out", str(out), "--no-progress"]
    done = subprocess.run([*cmd, *GRID], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    sources = []
    for folder in sorted((out / "runs").iterdir()):
        eff = json.loads((folder / "efficiency.json").read_text())
        sources.append(eff.get("latency_reused_from") or folder.name)
    assert len(sources) == 3 and len(set(sources)) == 2, sources  # two measured, one copied
    (copy,) = [f for f in (out / "runs").iterdir() if f.name not in sources]
    shown = subprocess.run([*cmd[:3], "show", str(copy)], capture_output=True, text=True)
    assert f"latency copied from run {copy_source(copy)}" in shown.stdout, shown.stdout
    assert len(list((out / "latency").glob("*.json"))) == 2
    board = json.loads((out / "leaderboard.json").read_text())
    (row,) = [r for r in board["rows"] if r["method"] == "lora"]
    assert row["latency_runs"] == 2 and "run-to-run" in row["latency_noise"], row


def copy_source(run: Path) -> str:
    return str(json.loads((run / "efficiency.json").read_text())["latency_reused_from"])
