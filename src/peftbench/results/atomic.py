"""The one atomic file writer: every file a user or another process reads is written here.

A file is written to a temporary name in the same folder, flushed to disk and renamed over the
target, so a reader or a crash never sees it half-written, and a full disk leaves the previous
file (or none) instead of a truncated one. A write that fails raises `WriteError` (a `UserError`:
the CLI prints the path and the reason and exits non-zero) and leaves no temporary file behind.

Only a regular file (or nothing) is ever replaced: the rename would put a file in place of
whatever the path names, so `report --out /dev/full` (or /dev/stdout, a FIFO) run as root
replaced the device node with a file. Such a target is refused; a link to a regular file is
replaced like the file.
"""

from __future__ import annotations

import json
import os
import stat
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from peftbench.errors import UserError

if TYPE_CHECKING:  # annotations only
    from collections.abc import Iterable, Mapping


class WriteError(UserError):
    """A file could not be written (full disk, read-only folder, a folder in the way, ...)."""


def make_parent(path: Path) -> None:
    """Create the folder `path` goes into, or WriteError saying why it cannot be."""
    parent = Path(path).parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise WriteError(
            f"could not write {path}: {parent} (or a folder above it) is a file, not a folder",
            "give a path in a folder",
        ) from None
    except OSError as exc:
        raise WriteError(
            f"could not write {path}: cannot create {parent}: {exc.strerror or exc}",
            "check that the folder can be created and its disk has space",
        ) from exc


def _check_target(path: Path) -> None:
    """WriteError unless `path` is absent or a regular file (following a link)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if not os.path.islink(path):
            return
        mode = 0  # a dangling link: it would be replaced, not followed
    except OSError:
        return  # the write itself names what is wrong
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):  # a folder: the rename fails, named
        raise WriteError(
            f"could not write {path}: it is not a regular file (a device, FIFO, ...), and a "
            "write would replace it",
            "give the path of a file (for stdout, `-` where the command takes it)",
        )


def write_bytes(path: Path, data: bytes) -> Path:
    path = Path(path)
    _check_target(path)
    part = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:6]}.part")
    try:
        with open(part, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, path)
    except OSError as exc:
        raise WriteError(
            f"could not write {path}: {exc.strerror or exc}",
            "check that the folder exists, is writable and its disk has space",
        ) from exc
    finally:
        part.unlink(missing_ok=True)
    return path


def write_text(path: Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, data: object) -> Path:
    return write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def write_jsonl(path: Path, rows: Iterable[Mapping[str, object]]) -> Path:
    return write_text(path, "".join(json.dumps(row, default=str) + "\n" for row in rows))


def write_json_once(path: Path, data: object) -> bool:
    """Write `path` only if nothing is there yet, atomically; False when it already existed.

    For results that concurrent writers may both compute (a learning-rate trial of a search
    two cells share): the first one written is kept and never replaced (a hard link of the
    finished temporary file, which fails when the name exists), so a result once read stays.
    """
    path = Path(path)
    part = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:6]}.part")
    try:
        write_json(part, data)
        try:
            os.link(part, path)
        except FileExistsError:
            return False
        except OSError as exc:
            raise WriteError(
                f"could not write {path}: {exc.strerror or exc}",
                "check that the folder is writable and its disk has space",
            ) from exc
        return True
    finally:
        part.unlink(missing_ok=True)
