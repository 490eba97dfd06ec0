"""Reading a bundle without trusting it: every member checked before anything is written.

A bundle comes from someone else. `read_bundle` takes it into memory through one gzip stream and
a byte counter (community/bundle.py `Limits`), so a bomb stops at the cap however small it is
packed; it refuses, naming the member, any path that is absolute, climbs out ('..'), or is not
one a bundle holds, any link, device or other non-file member, a member given twice, and then
checks the manifest: its format and bundle version, exactly the members it lists with their
sha256 and size, and exactly the runs it names. Every refusal is a `BundleRefused` (exit 2).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeGuard

from peftbench.community.bundle import (
    FORMAT,
    LIMITS,
    MANIFEST,
    READABLE_BUNDLE_VERSIONS,
    RUNS,
    Limits,
    member_problem,
)
from peftbench.errors import UserError
from peftbench.json_types import JSONObject, JSONValue
from peftbench.results.safe_read import Refused, check_plain, read_capped

# how `peftbench pack` starts every bundle: gzip, deflate, no flags, time 0, best compression,
# OS unknown; so a changed header byte is refused too (the body and trailer are checked by the
# inflater, gzip's CRC-32 and size, and the manifest's sha256 of every member)
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"


class BundleRefused(UserError):
    """A bundle that is not merged: which one, and why."""


@dataclass(frozen=True)
class Bundle:
    path: Path
    sha256: str  # of the bundle file: names it on the site
    raw: bytes  # the file as read and checked (the site's download is a copy of these bytes)
    manifest: JSONObject
    members: dict[str, bytes]

    @property
    def run_ids(self) -> list[str]:
        ids = self.manifest["run_ids"]  # a list of names: `read_bundle` checked
        return [r for r in ids if isinstance(r, str)] if isinstance(ids, list) else []

    def run_members(self, run_id: str) -> dict[str, bytes]:
        """{path in the run folder: bytes} of one run."""
        prefix = f"{RUNS}/{run_id}/"
        return {k[len(prefix) :]: v for k, v in self.members.items() if k.startswith(prefix)}


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _Capped:
    """A read-only stream that refuses to give more than `cap` bytes in all."""

    def __init__(self, inner: _Readable, cap: int, name: str) -> None:
        self.inner, self.cap, self.name, self.total = inner, cap, name, 0

    def read(self, size: int = -1) -> bytes:
        want = self.cap + 1 - self.total if size is None or size < 0 else size
        data = self.inner.read(min(want, self.cap + 1 - self.total))
        self.total += len(data)
        if self.total > self.cap:
            raise BundleRefused(
                f"bundle {self.name} unpacks to more than {self.cap:,} bytes: refused (a bomb?)",
                "a bundle holds records, a few MiB; pack the results folder again",
            )
        return data


def read_bundle(path: Path, limits: Limits | None = None) -> Bundle:
    """The checked bundle at `path` (see the module docstring), or BundleRefused."""
    limits = limits or LIMITS
    path = Path(path)
    try:
        check_plain(path)
    except FileNotFoundError:
        raise UserError(
            f"bundle {path} does not exist", "give the file `peftbench pack` wrote"
        ) from None
    except Refused as exc:
        raise BundleRefused(f"bundle {path} {exc.reason}") from None
    raw = _raw(path, limits)
    if raw[: len(GZIP_HEADER)] != GZIP_HEADER:
        raise _refuse(path, "does not start as `peftbench pack` writes a bundle (gzip header)")
    members = _members(path, raw, limits)
    manifest = _manifest(path, members, limits)
    return Bundle(path, hashlib.sha256(raw).hexdigest(), raw, manifest, members)


def _raw(path: Path, limits: Limits) -> bytes:
    try:
        return read_capped(path, limits.total_bytes)
    except Refused as exc:
        raise _refuse(path, exc.reason) from None
    except OSError as exc:
        raise _refuse(path, f"cannot be read: {exc.strerror or exc}") from None


def _members(path: Path, raw: bytes, limits: Limits) -> dict[str, bytes]:
    members: dict[str, bytes] = {}
    try:
        stream = _Capped(gzip.GzipFile(fileobj=io.BytesIO(raw)), limits.total_bytes, path.name)
        with tarfile.open(fileobj=stream, mode="r|") as tar:  # type: ignore[call-overload]
            for count, info in enumerate(tar, 1):
                if count > limits.members:
                    raise _refuse(path, f"holds more than {limits.members:,} members")
                data = _member(path, tar, info, limits)
                if data is not None:
                    if info.name in members:
                        raise _refuse(path, f"holds '{info.name}' twice")
                    members[info.name] = data
        while stream.read(2**20):  # to the end: gzip checks its CRC and size only there
            pass
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
        raise _refuse(path, f"is not a readable .tar.gz (damaged or changed?): {exc}") from None
    return members


def _member(
    path: Path, tar: tarfile.TarFile, info: tarfile.TarInfo, limits: Limits
) -> bytes | None:
    """One member's bytes (None for a folder entry), after its name, type and size are checked."""
    name = info.name
    problem = member_problem(name.rstrip("/") if info.isdir() else name)
    if problem:
        raise _refuse(path, f"has a member {name!r}: {problem}")
    if info.isdir():
        return None
    if not info.isreg():
        kind = (
            "a symbolic link" if info.issym() else "a hard link" if info.islnk() else "not a file"
        )
        raise _refuse(path, f"has a member {name!r} that is {kind}; a bundle holds only files")
    if info.size > limits.member_bytes:
        raise _refuse(
            path, f"has a member {name!r} of {info.size:,} bytes (cap {limits.member_bytes:,})"
        )
    handle = tar.extractfile(info)
    assert handle is not None  # a regular member
    return handle.read()


def _refuse(path: Path, why: str) -> BundleRefused:
    return BundleRefused(
        f"bundle {path.name} {why}: refused, nothing merged",
        "ask its author for the bundle `peftbench pack` wrote, unchanged",
    )


def _manifest(path: Path, members: dict[str, bytes], limits: Limits) -> JSONObject:
    raw = members.pop(MANIFEST, None)
    if raw is None:
        raise _refuse(path, f"has no {MANIFEST} (not a peftbench bundle?)")
    if len(raw) > limits.manifest_bytes:
        raise _refuse(path, f"has a {MANIFEST} over {limits.manifest_bytes:,} bytes")
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _refuse(path, f"has a {MANIFEST} that is not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse(path, f"has a {MANIFEST} that is not a {FORMAT}'s")
    version = manifest.get("bundle_version")
    if isinstance(version, bool) or version not in READABLE_BUNDLE_VERSIONS:
        raise _refuse(
            path,
            f"has bundle_version {version!r}; this peftbench reads {READABLE_BUNDLE_VERSIONS} "
            "(a newer peftbench wrote it? upgrade)",
        )
    _check_hashes(path, manifest.get("members"), members)
    _check_runs(path, manifest.get("run_ids"), members)
    return manifest


def _check_hashes(path: Path, listed: JSONValue, members: dict[str, bytes]) -> None:
    if not isinstance(listed, dict):
        raise _refuse(path, f"has a {MANIFEST} without its 'members'")
    extra = sorted(set(members) - set(listed))
    absent = sorted(set(listed) - set(members))
    if extra or absent:
        raise _refuse(
            path, f"does not hold what its manifest lists (extra {extra}, missing {absent})"
        )
    for name, data in sorted(members.items()):
        entry = listed[name]
        if (
            not isinstance(entry, dict)
            or hashlib.sha256(data).hexdigest() != entry.get("sha256")
            or entry.get("bytes") != len(data)
        ):
            raise _refuse(
                path,
                f"has a member '{name}' whose sha256 or size is not the manifest's "
                "(changed after packing)",
            )


def _names(value: JSONValue) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(r, str) for r in value)


def _check_runs(path: Path, run_ids: JSONValue, members: dict[str, bytes]) -> None:
    held = {name.split("/")[1] for name in members if name.startswith(RUNS + "/")}
    if not _names(run_ids):
        raise _refuse(path, f"has a {MANIFEST} without a list of 'run_ids'")
    if set(run_ids) != held or len(run_ids) != len(set(run_ids)):
        raise _refuse(
            path,
            f"does not hold exactly the runs its manifest names "
            f"(differing: {sorted(set(run_ids) ^ held)}, or a run named twice)",
        )
