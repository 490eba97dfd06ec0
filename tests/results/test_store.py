"""Atomic run records, skipping, failed-run replacement."""

from __future__ import annotations

import os
import time
from pathlib import Path

from record_util import fill

from peftbench.results.record import Status
from peftbench.results.store import STALE_UNOWNED_SECONDS, ResultsStore


def test_commit_is_atomic_and_complete(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    w = store.writer("run-a")
    fill(w, score=1.0)
    assert not store.is_complete("run-a")
    assert list(store.run_ids()) == []  # the temporary folder is not a run
    w.commit(Status("ok", "run-a"))
    assert store.is_complete("run-a")
    assert store.read("run-a").score == 1.0
    assert [p.name for p in store.runs_dir.iterdir()] == ["run-a"]


def test_failed_record_is_replaced_by_a_retry(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    store.writer("r").commit(Status.failed("r", "boom"))
    assert not store.is_complete("r")
    w = store.writer("r")
    fill(w, score=2.0)
    w.commit(Status("ok", "r"))
    assert store.is_complete("r")
    assert store.read("r").score == 2.0


def test_second_writer_of_a_completed_run_keeps_the_first(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    first, second = store.writer("r"), store.writer("r")
    fill(first, score=1.0)
    fill(second, score=9.0)
    first.commit(Status("ok", "r"))
    second.commit(Status("ok", "r"))
    assert store.read("r").score == 1.0
    assert [p.name for p in store.runs_dir.iterdir()] == ["r"]


def test_abandoned_writer_leaves_nothing(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    w = store.writer("r")
    w.json("x.json", {})
    w.abandon()
    assert list(store.runs_dir.iterdir()) == []


def test_sweep_reads_an_owner_file_holding_no_object_as_no_owner(tmp_path: Path) -> None:
    """An owner file that is JSON but not an object (a list) names no writer: the folder is
    judged by its age, like one without an owner file -- the sweep does not crash."""
    store = ResultsStore(tmp_path)
    tmp = store.runs_dir / ".tmp-r-1-abcdef"
    tmp.mkdir()
    (tmp / ".owner.json").write_text("[1, 2]")
    assert store.sweep() == []  # fresh: a writer that may still be starting
    old = time.time() - 2 * STALE_UNOWNED_SECONDS
    os.utime(tmp, (old, old))
    assert store.sweep() == [tmp.name]
