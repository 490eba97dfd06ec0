"""One folder per run, written atomically; completed runs are skipped on the next invocation.

A run is assembled in `runs/.tmp-<run_id>-<pid>/` and renamed to `runs/<run_id>/` when complete,
so a crash never leaves a half-written record that looks finished. Two processes finishing the
same run both succeed: the first rename wins and the second copy is dropped. A failed record is
replaced when the run is retried.

Several processes may write one results folder at once (two invocations, a Ray driver and a
local run): the check-replace-rename of a commit happens under an exclusive lock on
`<root>/.lock`, so a completed record is never replaced, not even by a failure that finished
later. Temporary folders of killed processes are removed by `sweep`; other files (suite.json,
leaderboards) are written to a temporary name and renamed, so they are never seen half-written.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from peftbench.errors import UserError
from peftbench.json_types import JSONObject, JSONValue
from peftbench.results.atomic import write_json, write_jsonl
from peftbench.results.record import (
    PARTS,
    FileHash,
    Part,
    RunRecord,
    Status,
    read_run,
    read_status,
)
from peftbench.results.safe_read import file_digest, is_plain_folder

if TYPE_CHECKING:  # annotations only
    from collections.abc import Iterable, Mapping

STATUS = "status.json"
PID_LIMIT = 2**31  # pid_t is a signed 32-bit integer
OWNER = ".owner.json"  # in a temporary run folder: which process on which host is writing it
STALE_UNOWNED_SECONDS = 3600.0


def read_json(path: Path) -> JSONValue:
    """A small JSON file (an owner or claim); ValueError also for JSON nested too deeply to
    parse (json raises RecursionError), so callers that treat a damaged file as no owner
    catch every way it can be damaged."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise ValueError(f"{path.name} is nested too deeply to be JSON") from None


class RunWriter:
    """Collects a run's files in a private temporary folder; `commit` publishes them at once."""

    def __init__(self, store: ResultsStore, run_id: str) -> None:
        self.store = store
        self.run_id = run_id
        self.tmp = store.runs_dir / f".tmp-{run_id}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.tmp.mkdir(parents=True)
        write_json(self.tmp / OWNER, {"host": socket.gethostname(), "pid": os.getpid()})

    def json(self, name: str, data: object) -> None:
        write_json(self.tmp / name, data)

    def jsonl(self, name: str, rows: Iterable[Mapping[str, object]]) -> None:
        write_jsonl(self.tmp / name, rows)

    def record(self, part: Part) -> None:
        """One part of the typed run record (config, metrics, efficiency, provenance)."""
        write_json(self.tmp / part.FILE, part.to_json())

    def path(self, name: str) -> Path:
        return self.tmp / name

    def commit(self, status: Status) -> Path:
        """Publish the record. A completed record already there wins (ours is dropped); an
        older failed or damaged one is replaced. The status records the sha256 and size of
        every other file the run wrote (adapter, predictions), which readers check
        (results/crosscheck.py)."""
        status = replace(status, files=file_hashes(self.tmp))
        write_json(self.tmp / STATUS, status.to_json())
        (self.tmp / OWNER).unlink(missing_ok=True)
        final = self.store.run_dir(self.run_id)
        trash = None
        with self.store.lock():
            if os.path.lexists(final):
                state = read_run(final).state
                if state == "ok":
                    shutil.rmtree(self.tmp, ignore_errors=True)  # another process finished first
                    return final
                if state == "damaged":  # kept for inspection, never deleted
                    self.store.set_aside(self.run_id)
                else:
                    trash = final.with_name(f".old-{final.name}-{uuid.uuid4().hex[:6]}")
                    os.replace(final, trash)  # an older failed record: replace it
            os.rename(self.tmp, final)
        if trash is not None:
            shutil.rmtree(trash, ignore_errors=True)
        return final

    def abandon(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def file_hashes(folder: Path) -> dict[str, FileHash]:
    """sha256 and size of every file in a run folder but its JSON parts and status (those are
    checked field by field), by path relative to it; links are not followed."""
    skip = {STATUS, OWNER, *(cls.FILE for cls in PARTS)}
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            if rel in skip or path.is_symlink():
                continue
            digest, size = file_digest(path)
            out[rel] = FileHash(digest, size)
    return out


class ResultsStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        for path in (self.root, self.runs_dir):
            if os.path.lexists(path) and not is_plain_folder(path):
                raise UserError(
                    f"{path} is in the way: a results folder needs a folder there, and it is "
                    f"{'a link' if path.is_symlink() else 'a file'}",
                    f"move {path} away, or pass another --out",
                )
        try:
            self.runs_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(
                f"cannot create {self.runs_dir}: {exc.strerror or exc}",
                "pass an --out folder that can be written",
            ) from None

    def run_dir(self, run_id: str) -> Path:
        return self.runs_dir / run_id

    @property
    def damaged_dir(self) -> Path:
        return self.root / "damaged"

    def set_aside(self, run_id: str) -> Path:
        """Move a damaged run folder out of runs/ (into damaged/<run_id>-<time>/), so the cell
        can run again; the damaged files are kept for inspection, never deleted."""
        self.damaged_dir.mkdir(exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        target = self.damaged_dir / f"{run_id}-{stamp}-{uuid.uuid4().hex[:4]}"
        os.replace(self.run_dir(run_id), target)
        return target

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive across processes (flock on `<root>/.lock`; NFSv4 supports it)."""
        try:
            import fcntl  # POSIX only
        except ImportError:  # not POSIX: no cross-process lock
            yield
            return
        fd = self._open_lock()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _open_lock(self) -> int:
        """The lock file, opened without following a link; a folder or link there is a clear
        error (never a traceback), naming what to remove."""
        path = self.root / ".lock"
        if os.path.lexists(path) and not (path.is_file() and not path.is_symlink()):
            kind = "a link" if path.is_symlink() else "a folder" if path.is_dir() else "special"
            raise UserError(
                f"{path} is {kind}, not the lock file peftbench keeps there",
                f"remove {path} (it holds no results) and run again",
            )
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            return os.open(path, flags | getattr(os, "O_NONBLOCK", 0), 0o644)
        except OSError as exc:
            raise UserError(
                f"cannot open the lock file {path}: {exc.strerror or exc}",
                "check that the results folder is writable",
            ) from None

    def sweep(self) -> list[str]:
        """Remove leftovers of killed processes: temporary run folders whose writer is dead (same
        host; folders of other hosts are left alone) and trash of replaced records."""
        removed = []
        host = socket.gethostname()
        for d in list(self.runs_dir.iterdir()):
            if not d.is_dir() or not d.name.startswith((".tmp-", ".old-")):
                continue
            if d.name.startswith(".tmp-"):
                try:
                    owner = read_json(d / OWNER)
                    if not isinstance(owner, dict):
                        raise ValueError(f"{OWNER} holds no object")
                    stale = owner.get("host") == host and not _alive(owner_pid(owner))
                except (OSError, ValueError):  # no owner file: a writer killed at birth
                    stale = time.time() - d.stat().st_mtime > STALE_UNOWNED_SECONDS
                if not stale:
                    continue
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d.name)
        return removed

    def status(self, run_id: str) -> Status | None:
        """The status of a run, or None when it has none or it cannot be read."""
        return read_status(self.run_dir(run_id))

    def is_complete(self, run_id: str) -> bool:
        """A committed ok record whose files all read (a damaged one is run again)."""
        if not (self.run_dir(run_id) / STATUS).exists():
            return False
        return self.read(run_id).ok

    def read(self, run_id: str) -> RunRecord:
        """The typed record of one run (state ok, failed or damaged)."""
        return read_run(self.run_dir(run_id))

    def writer(self, run_id: str) -> RunWriter:
        return RunWriter(self, run_id)

    def run_ids(self) -> Iterator[str]:
        for d in sorted(self.runs_dir.iterdir()):
            if d.is_dir() and not d.name.startswith(".") and (d / STATUS).exists():
                yield d.name


def owner_pid(owner: JSONObject) -> int:
    """The process id an owner file names (0: none, which no live process has)."""
    pid = owner.get("pid", 0)
    if not isinstance(pid, int) or isinstance(pid, bool) or not 0 < pid < PID_LIMIT:
        return 0  # beyond a pid_t no process has it (os.kill overflowed on 2**40 or 10**400)
    return pid


def _alive(pid: int) -> bool:
    """Whether a writer process still runs. A killed process whose parent died too can linger as
    a zombie (where PID 1 does not reap, as in some containers): that counts as dead."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (not Linux): trust the signal check
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"
