"""Checked-in run records to log from (tests/data), so tracker tests need no training;
test_run_to_trackers.py covers `peftbench run` end to end."""

from __future__ import annotations

import shutil
from pathlib import Path

from peftbench.results.store import ResultsStore
from peftbench.trackers.base import Tracking

V1 = Path(__file__).resolve().parents[1] / "data" / "records" / "v1" / "runs"
OK_RUN = "tiny-llama__toy-sentiment__lora__s42__df61f14d0e"
FAILED_RUN = "tiny-llama__toy-sentiment__lora__s42__4be7102c83"
SUITE = "smoke"


def committed(root: Path) -> ResultsStore:
    """A results folder at `root` holding one ok and one failed run, committed."""
    for run in (OK_RUN, FAILED_RUN):
        shutil.copytree(V1 / run, root / "runs" / run)
    return ResultsStore(root)


def tracking(*names: str) -> Tracking:
    return Tracking(tuple(names), SUITE, "2026-01-02T03:04:05Z")
