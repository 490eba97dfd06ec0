"""Ctrl-C while `prepare` waits for its child: the child is stopped too (issue 26, attacker's
second pass: a SIGINT one second into `peftbench run` left the spawned child to fail on its
queue's lock with a FileNotFoundError traceback, or to prepare on alone)."""

from __future__ import annotations

import multiprocessing.context
from typing import Any

import pytest

from peftbench.prepare import prepare
from peftbench.suite import load_suite


def test_interrupted_prepare_stops_its_child(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Any] = []
    real_start = multiprocessing.context.SpawnProcess.start

    def start(self: Any) -> None:
        real_start(self)
        started.append(self)

    def join(self: Any, timeout: float | None = None) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "start", start)
    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "join", join)
    with pytest.raises(KeyboardInterrupt):
        prepare(load_suite("smoke"))
    (child,) = started
    monkeypatch.undo()
    child.join(30)
    assert child.exitcode is not None and child.exitcode < 0  # terminated, not left running
