"""Reading a file of a results folder without trusting it: no links, no special files, a cap.

A results folder is data anyone may have edited, copied or tampered with. Every byte a reader
takes from it comes through here, so no reader can be made to
- follow a link out of the folder (a `metrics.json` linked to `/dev/zero` or to another run's
  file would be read as if it were this run's): `lstat` first, then `O_NOFOLLOW` so a link
  swapped in between the two is refused by the kernel;
- block on a FIFO or a device (`O_NONBLOCK`, and the opened file must be a regular one: a FIFO
  is never read);
- exhaust memory on a huge file: at most `cap` bytes are read, and a larger file is refused
  with its size, never read to the end.
Refusals raise `Refused` with a reason a person can act on; callers turn it into a record's
damage.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

MiB = 2**20
JSON_CAP = 16 * MiB  # a record part is a few KiB; a long learning curve a few hundred
LINES_CAP = 512 * MiB  # predictions.jsonl: 100k items of a few KiB of generated text each
CHUNK = MiB


class Refused(OSError):
    """The file cannot be read safely: why, in words."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISLNK, "a link"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def check_plain(path: Path) -> os.stat_result:
    """The file's lstat when it is a regular file (not a link); else Refused. Missing:
    FileNotFoundError."""
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        raise Refused(f"is a link (to {target!r}); a record never holds links")
    if not stat.S_ISREG(st.st_mode):
        raise Refused(f"is {_kind(st.st_mode)}, not a regular file")
    return st


def is_plain_folder(path: Path) -> bool:
    """A real folder (not a link to one)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _open(path: Path) -> int:
    check_plain(path)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno in (getattr(os, "ELOOP", -1), getattr(os, "EMLINK", -1)):
            raise Refused("is a link; a record never holds links") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for something else after the lstat
        os.close(fd)
        raise Refused("is not a regular file")
    return fd


def _too_big(size: int, cap: int) -> Refused:
    return Refused(
        f"is over the {cap // MiB} MiB a record file may hold ({size:,} bytes or more): "
        "not read (a record file this large is not one peftbench wrote)"
    )


def read_capped(path: Path, cap: int = JSON_CAP) -> bytes:
    """The bytes of a regular file, at most `cap` of them (larger: Refused)."""
    fd = _open(Path(path))
    try:
        size = os.fstat(fd).st_size
        if size > cap:
            raise _too_big(size, cap)
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(CHUNK, cap + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > cap:  # grew while read
                raise _too_big(total, cap)
        return b"".join(chunks)
    finally:
        os.close(fd)


def file_digest(path: Path, cap: int = 64 * 1024 * MiB) -> tuple[str, int]:
    """(sha256 hex, size in bytes) of a regular file, read in chunks (never all in memory)."""
    fd = _open(Path(path))
    try:
        digest, total = hashlib.sha256(), 0
        while chunk := os.read(fd, CHUNK):
            digest.update(chunk)
            total += len(chunk)
            if total > cap:
                raise _too_big(total, cap)
        return digest.hexdigest(), total
    finally:
        os.close(fd)
