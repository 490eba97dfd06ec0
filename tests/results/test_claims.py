"""Claims on pending cells: one owner at a time, stale claims taken over, released when done."""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from peftbench.results import claims as claims_mod
from peftbench.results.claims import ClaimedRuns, Claims
from peftbench.results.record import Status
from peftbench.results.store import OWNER, ResultsStore


@dataclass(frozen=True)
class Spec:
    run_id: str


def _store(root: Path) -> ResultsStore:
    """A store whose records are just a status (complete = status ok): the claims are the unit
    here, not what makes a full record."""
    store = ResultsStore(root)
    store.is_complete = lambda run_id: bool((s := store.status(run_id)) and s.ok)  # type: ignore[method-assign]
    return store


def test_one_owner_at_a_time_and_release(tmp_path: Path) -> None:
    store = _store(tmp_path)
    a, b = Claims(store), Claims(store)
    assert a.try_claim("r1")
    assert not b.try_claim("r1")  # held by a live owner
    assert a.try_claim("r1")  # re-claiming one's own is fine
    a.release("r1")
    assert b.try_claim("r1")
    b.release_all()
    assert list((tmp_path / ".claims").iterdir()) == []


def test_complete_runs_are_never_claimed(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.writer("done").commit(Status("ok", "done"))
    assert not Claims(store).try_claim("done")


def test_a_claim_holding_no_owner_object_is_stale_and_never_a_crash(tmp_path: Path) -> None:
    """A claim file that is JSON but no owner object (a list), or an owner without a pid, is
    damaged: stale (taken over), and the sweep reads it without failing."""
    store = _store(tmp_path)
    claims = Claims(store)
    path = claims.path("r")
    path.write_text("[1, 2]")
    assert claims.is_stale("r")
    assert claims.sweep() == []  # it names no owner on this host: left to its heartbeat's age
    path.write_text(json.dumps({"host": socket.gethostname(), "pid": None, "token": "x"}))
    assert claims.is_stale("r")
    assert claims.sweep() == ["r"]  # no pid: no live owner


def test_claim_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    store = _store(tmp_path)
    dead = multiprocessing.get_context("fork").Process(target=os._exit, args=(0,))
    dead.start()
    dead.join()
    path = tmp_path / ".claims" / "r.json"
    path.parent.mkdir()
    owner = {"host": socket.gethostname(), "pid": dead.pid, "token": "x"}
    path.write_text(json.dumps(owner))
    assert Claims(store).try_claim("r")


def test_sweep_removes_the_claims_of_dead_owners_only(tmp_path: Path) -> None:
    """A process SIGKILLed after committing its record, before releasing its claim, left the
    claim in .claims for good (attacker's second pass, issue 26); `run` sweeps it."""
    store = _store(tmp_path)
    dead = multiprocessing.get_context("fork").Process(target=os._exit, args=(0,))
    dead.start()
    dead.join()
    folder = tmp_path / ".claims"
    folder.mkdir()
    here = socket.gethostname()
    (folder / "dead.json").write_text(json.dumps({"host": here, "pid": dead.pid, "token": "x"}))
    (folder / "far.json").write_text(json.dumps({"host": here + "-x", "pid": 1, "token": "y"}))
    live = Claims(store)
    assert live.try_claim("live")
    assert Claims(store).sweep() == ["dead"]
    assert sorted(p.name for p in folder.iterdir()) == ["far.json", "live.json"]
    live.release_all()


def test_silent_heartbeat_is_stale_even_on_another_host(tmp_path: Path) -> None:
    store = _store(tmp_path)
    path = tmp_path / ".claims" / "r.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"host": "elsewhere", "pid": 1, "token": "x"}))
    assert not Claims(store).try_claim("r")  # fresh: respected
    old = time.time() - claims_mod.STALE_SECONDS - 5
    os.utime(path, (old, old))
    assert Claims(store).try_claim("r")


def test_heartbeat_keeps_a_claim_fresh(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(claims_mod, "HEARTBEAT_SECONDS", 0.05)
    store = _store(tmp_path)
    mine = Claims(store)
    assert mine.try_claim("r")
    old = time.time() - 1000
    os.utime(mine.path("r"), (old, old))
    # wait for a beat (a loaded machine may run the heartbeat thread late); the deadline only
    # bounds a heartbeat that never comes
    deadline = time.monotonic() + 120
    while mine.path("r").stat().st_mtime < old + 500 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert time.time() - mine.path("r").stat().st_mtime < claims_mod.STALE_SECONDS
    mine.release_all()


def _take(store: ResultsStore, worker: int) -> list[tuple[int, str]]:
    taken = []
    runs = [Spec(f"r{i}") for i in range(12)]
    for spec in ClaimedRuns(runs, store, log=lambda _msg: None):
        taken.append((worker, spec.run_id))
        time.sleep(0.05)  # "training"
        store.writer(spec.run_id).commit(Status("ok", spec.run_id))
    return taken


def test_concurrent_iterations_hand_out_each_run_once(tmp_path: Path) -> None:
    """Three claimants (threads here: each has its own token, so they exclude one another as
    processes do; two real processes: tests/test_concurrent_invocations.py)."""
    store = _store(tmp_path)
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda w: _take(store, w), range(3)))
    taken = [t for r in results for t in r]
    assert sorted(r for _, r in taken) == sorted(f"r{i}" for i in range(12))  # once each
    assert len({w for w, _ in taken}) >= 2  # the work was split
    assert list((tmp_path / ".claims").iterdir()) == []


OWNERS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parents[1] / "data" / "claims" / "owners.yaml").read_text(encoding="utf-8")
)


def _owner_text(text: str) -> str:
    text = text.replace("{here}", socket.gethostname())
    for name, make in (("zeros", lambda n: "0" * n), ("deep", lambda n: "[" * n + "]" * n)):
        while "{" + name + ":" in text:
            head, _, rest = text.partition("{" + name + ":")
            count, _, tail = rest.partition("}")
            text = head + make(int(count)) + tail
    return text


@pytest.mark.parametrize("case", OWNERS, ids=[c["name"] for c in OWNERS])
def test_an_owner_file_of_any_shape_is_read_without_a_crash(
    case: dict[str, Any], tmp_path: Path
) -> None:
    """A fresh claim (its heartbeat recent) is taken over only when no live process can own
    it; a temporary run folder is swept only when its owner is dead on this host."""
    store = _store(tmp_path)
    text = _owner_text(case["text"])
    claims = Claims(store)
    claims.path("r").parent.mkdir(exist_ok=True)
    claims.path("r").write_text(text)
    tmp = store.runs_dir / ".tmp-r-1-abcdef"
    tmp.mkdir(parents=True)
    (tmp / OWNER).write_text(text)
    assert claims.is_stale("r") is case["stale"]
    claims.sweep()
    assert (tmp.name in store.sweep()) is case["swept"]
    assert claims.try_claim("r") is case["stale"]
    claims.release_all()
