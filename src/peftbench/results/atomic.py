"""The one atomic file writer: every file a user or another process reads is written here.

A file is written to a temporary name in the same folder, flushed to disk and renamed over the
target, so a reader or a crash never sees it half-written, and a full disk leaves the previous
file (or none) instead of a truncated one. A write that fails raises `WriteError` (a `UserError`:
the CLI prints the path and the reason and exits non-zero) and leaves no temporary file behind.
"""

from __future__ import annotations

import json
import os
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


def write_bytes(path: Path, data: bytes) -> Path:
    path = Path(path)
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
