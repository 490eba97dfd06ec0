"""Claims on pending cells, so that invocations sharing a results folder split the work.

Before a cell runs, its invocation claims it: `<root>/.claims/<run_id>.json` names the owner (host,
PID, a random token), is created under the store's lock, and is kept fresh by a heartbeat (its
mtime, touched every `HEARTBEAT_SECONDS` by a thread of the owner). A claim is stale, and may be
taken over, when its owner is a dead process on this host or its heartbeat is older than
`STALE_SECONDS` (any host). The claim is released once the cell's record is committed, or when the
invocation ends. An invocation first runs every cell it can claim, then waits for the cells others
hold, taking over any whose owner died; so two invocations run each cell once, and each ends with
every cell complete. Claims only avoid duplicated work: the commit itself stays safe without them
(results/store.py).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, overload

from peftbench.json_types import JSONObject
from peftbench.results.atomic import write_json
from peftbench.results.store import ResultsStore, _alive, owner_pid, read_json

if TYPE_CHECKING:
    from peftbench.config.schema import RunSpec

HEARTBEAT_SECONDS = 5.0
STALE_SECONDS = 60.0
POLL_SECONDS = 1.0


class Claims:
    """The claims this process holds in one results folder, with their heartbeat."""

    def __init__(self, store: ResultsStore) -> None:
        self.store = store
        self.folder = store.root / ".claims"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.token = secrets.token_hex(8)
        self.held: set[str] = set()
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def path(self, run_id: str) -> Path:
        return self.folder / f"{run_id}.json"

    def owner(self, run_id: str) -> JSONObject | None:
        """The claim's owner (None: no claim, or a damaged one)."""
        try:
            data = read_json(self.path(run_id))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def is_stale(self, run_id: str) -> bool:
        """No claim, a damaged one, a dead owner on this host, or a silent heartbeat."""
        path = self.path(run_id)
        owner = self.owner(run_id)
        if owner is None:
            return True
        if owner.get("host") == socket.gethostname() and not _alive(owner_pid(owner)):
            return True
        try:
            return time.time() - path.stat().st_mtime > STALE_SECONDS
        except OSError:
            return True

    def try_claim(self, run_id: str) -> bool:
        """Claim `run_id` unless it is complete or validly claimed by someone else."""
        with self.store.lock():
            if self.store.is_complete(run_id):
                return False
            mine = (self.owner(run_id) or {}).get("token") == self.token
            if not mine and not self.is_stale(run_id):
                return False
            owner = {"host": socket.gethostname(), "pid": os.getpid(), "token": self.token}
            write_json(self.path(run_id), {**owner, "claimed_at": time.time()})
        self.held.add(run_id)
        self._start_heartbeat()
        return True

    def release(self, run_id: str) -> None:
        with self.store.lock():
            if (self.owner(run_id) or {}).get("token") == self.token:
                self.path(run_id).unlink(missing_ok=True)
        self.held.discard(run_id)

    def sweep(self) -> list[str]:
        """Remove the claims of dead owners on this host (a process killed after its record was
        committed, before it released the claim): they would stay in .claims forever."""
        removed = []
        with self.store.lock():
            for path in sorted(self.folder.glob("*.json")):
                owner = self.owner(path.stem) or {}
                dead = owner.get("host") == socket.gethostname() and not _alive(owner_pid(owner))
                if dead:
                    path.unlink(missing_ok=True)
                    removed.append(path.stem)
        return removed

    def release_all(self) -> None:
        self._stop.set()
        for run_id in list(self.held):
            self.release(run_id)

    def _start_heartbeat(self) -> None:
        if self._beat is None:
            self._beat = threading.Thread(target=self._heartbeat, name="claims", daemon=True)
            self._beat.start()

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            for run_id in list(self.held):
                with contextlib.suppress(OSError):
                    os.utime(self.path(run_id))


class ClaimedRuns(Sequence["RunSpec"]):
    """The pending runs as a backend sees them: iterating claims each run just before handing it
    out, skips runs completed or held by others, and after the first pass waits for the runs
    others hold (taking over those whose owner died). `len` is the number pending at the start."""

    def __init__(
        self, runs: Sequence[RunSpec], store: ResultsStore, log: Callable[[str], object] = print
    ) -> None:
        self.runs = list(runs)
        self.store = store
        self.log = log

    def __len__(self) -> int:
        return len(self.runs)

    @overload
    def __getitem__(self, i: int) -> RunSpec: ...

    @overload
    def __getitem__(self, i: slice) -> list[RunSpec]: ...

    def __getitem__(self, i: int | slice) -> RunSpec | list[RunSpec]:
        return self.runs[i]

    def __iter__(self) -> Iterator[RunSpec]:
        claims = Claims(self.store)
        at_start = {spec.run_id: self.store.status(spec.run_id) for spec in self.runs}

        def settled(run_id: str) -> bool:  # a record committed since we started (ok or failed)
            status = self.store.status(run_id)
            return status is not None and status != at_start[run_id]

        try:
            waiting = []
            for spec in self.runs:
                self._release_done(claims)
                if claims.try_claim(spec.run_id):
                    yield spec
                elif not settled(spec.run_id):
                    waiting.append(spec)
            if waiting:
                self.log(f"{len(waiting)} runs are claimed by another invocation: waiting for them")
            while waiting:
                self._release_done(claims)
                for spec in list(waiting):
                    if settled(spec.run_id):
                        waiting.remove(spec)
                    elif claims.try_claim(spec.run_id):  # its owner died: take it over
                        waiting.remove(spec)
                        yield spec
                if waiting:
                    time.sleep(POLL_SECONDS)
        finally:
            claims.release_all()

    def _release_done(self, claims: Claims) -> None:
        """Runs handed out earlier whose record (success or failure) is now committed."""
        for run_id in list(claims.held):
            if self.store.status(run_id) is not None:
                claims.release(run_id)
