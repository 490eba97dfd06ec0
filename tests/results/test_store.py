"""Atomic run records, skipping, failed-run replacement."""

from __future__ import annotations

from pathlib import Path

from peftbench.results.store import ResultsStore


def test_commit_is_atomic_and_complete(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    w = store.writer("run-a")
    w.json("metrics.json", {"score": 1.0})
    assert not store.is_complete("run-a")
    assert list(store.run_ids()) == []  # the temporary folder is not a run
    w.commit({"status": "ok"})
    assert store.is_complete("run-a")
    assert store.load("run-a")["metrics"] == {"score": 1.0}
    assert [p.name for p in store.runs_dir.iterdir()] == ["run-a"]


def test_failed_record_is_replaced_by_a_retry(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    store.writer("r").commit({"status": "failed", "error": "boom"})
    assert not store.is_complete("r")
    w = store.writer("r")
    w.json("metrics.json", {"score": 2.0})
    w.commit({"status": "ok"})
    assert store.is_complete("r")
    assert store.load("r")["metrics"]["score"] == 2.0


def test_second_writer_of_a_completed_run_keeps_the_first(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    first, second = store.writer("r"), store.writer("r")
    first.json("metrics.json", {"score": 1.0})
    second.json("metrics.json", {"score": 9.0})
    first.commit({"status": "ok"})
    second.commit({"status": "ok"})
    assert store.load("r")["metrics"]["score"] == 1.0
    assert [p.name for p in store.runs_dir.iterdir()] == ["r"]


def test_abandoned_writer_leaves_nothing(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    w = store.writer("r")
    w.json("x.json", {})
    w.abandon()
    assert list(store.runs_dir.iterdir()) == []
