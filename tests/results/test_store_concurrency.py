"""Several processes committing into one results folder at once lose nothing.

Processes race to commit the same run ids, some with a failure and some with a success, on top
of an older failed record. Whatever the interleaving, a success must end up as the record (a
later failure never replaces it), each run has exactly one folder, and no temporary folder is
left behind.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

from record_util import fill

from peftbench.results.record import Status
from peftbench.results.store import ResultsStore

RUNS = [f"run-{i}" for i in range(12)]


def _writer(root: str, worker: int, barrier: multiprocessing.synchronize.Barrier) -> None:
    store = ResultsStore(Path(root))
    for run_id in RUNS:
        writer = store.writer(run_id)
        ok = (worker + RUNS.index(run_id)) % 3 == 0  # each run: some ok writers, some failed
        fill(writer, worker=worker)
        barrier.wait(timeout=300)  # only bounds a hang: a loaded machine starts them late
        writer.commit(Status("ok" if ok else "failed", run_id).noted(worker=worker))


def test_racing_writers_keep_every_success(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    for run_id in RUNS:  # older failed records, to be replaced
        store.writer(run_id).commit(Status.failed(run_id, "older attempt"))
    mp = multiprocessing.get_context("fork")
    barrier = mp.Barrier(6)
    procs = [mp.Process(target=_writer, args=(str(tmp_path), w, barrier)) for w in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(600)
        assert p.exitcode == 0
    for run_id in RUNS:
        status = store.status(run_id)
        assert status is not None and status.ok, (run_id, status)
        worker = store.read(run_id).metrics.values["worker"]
        assert worker == status.extra["worker"]  # the files of one writer, never a mix
    assert sorted(p.name for p in store.runs_dir.iterdir()) == sorted(RUNS)


def test_later_failure_never_replaces_a_success(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    first = store.writer("r")
    fill(first, score=1.0)
    first.commit(Status("ok", "r", score=1.0))
    store.writer("r").commit(Status.failed("r", "late duplicate"))
    status = store.status("r")
    assert status is not None and (status.status, status.score) == ("ok", 1.0)


def test_sweep_removes_only_dead_writers_leftovers(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    live = store.writer("live")  # this process: alive
    mp = multiprocessing.get_context("fork")
    child = mp.Process(target=_abandon, args=(str(tmp_path),))
    child.start()
    child.join(30)
    assert child.exitcode == -signal.SIGKILL
    dead = [p for p in store.runs_dir.iterdir() if p.name.startswith(".tmp-dead-")]
    assert len(dead) == 1  # the killed process left its temporary folder behind
    trash = store.runs_dir / ".old-x-123456"
    trash.mkdir()
    removed = store.sweep()
    assert sorted(removed) == sorted([dead[0].name, trash.name])
    assert live.tmp.is_dir()
    fill(live)
    live.commit(Status("ok", "live"))
    assert [p.name for p in store.runs_dir.iterdir()] == ["live"]


def _abandon(root: str) -> None:
    ResultsStore(Path(root)).writer("dead").json("metrics.json", {})
    os.kill(os.getpid(), signal.SIGKILL)
