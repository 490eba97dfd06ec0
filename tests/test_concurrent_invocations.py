"""Two invocations of `peftbench run` on one results folder split the work: every cell of the smoke
suite (tiny model, 14 cells) is trained exactly once, by one of them, and both end with the full
leaderboard. Each invocation prints one line per cell it ran; together they must name every cell
once."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

FAST = ["--set", "training.max_steps=2", "--set", "measurement.flops=false"]
FAST += ["--set", "evaluation.max_eval_examples=4"]
FAST += [
    "--set",
    "measurement.latency={prompt_tokens: 8, new_tokens: 2, warmup: 0, min_pairs: 1, max_pairs: 1}",
]
LINE = re.compile(r"^\s+(ok|FAILED)\s+(\S+)\s+(\S+)\s+seed (\d+)", re.M)


@pytest.mark.slow  # two full invocations: minutes on a loaded 2-core machine
def test_two_invocations_train_every_cell_exactly_once(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "peftbench", "run", "smoke", "--out", str(out), "--no-progress"]
    procs = [
        subprocess.Popen(
            [*cmd, *FAST], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    ran: list[list[tuple[str, ...]]] = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=900)
        assert p.returncode == 0, stderr[-3000:]
        ran.append([m.groups()[1:] for m in LINE.finditer(stdout)])
        assert all(m.group(1) == "ok" for m in LINE.finditer(stdout)), stdout
    cells = [c for r in ran for c in r]
    records = sorted(p for p in (out / "runs").iterdir() if not p.name.startswith("."))
    assert len(records) == 14
    assert len(cells) == 14 and len(set(cells)) == 14, ran  # each trained once, by one of them
    assert all(ran), f"one invocation did all the work: {[len(r) for r in ran]}"
    print(f"cells trained by each invocation: {[len(r) for r in ran]}")
    assert [p.name for p in (out / "runs").iterdir() if p.name.startswith(".")] == []
    assert list((out / ".claims").iterdir()) == []
    board = json.loads((out / "leaderboard.json").read_text())
    assert not board.get("failed")
