"""`peftbench pack`: a results folder's records -> one bundle (community/bundle.py).

The folder is read only through the typed reader (results/folder.py), so what is packed is what
`show` ranks: the runs of the last invocation. A damaged or failed record refuses the pack (exit
2, naming each) unless the user asks to leave them out: a bundle holds only records that read
ok, so whoever merges it can check every one.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from peftbench import __version__
from peftbench.community.bundle import (
    BUNDLE_VERSION,
    FORMAT,
    INVOCATIONS,
    LIMITS,
    MANIFEST,
    RUNS,
    SUFFIX,
    SUITE,
    member_problem,
)
from peftbench.errors import UserError
from peftbench.results.atomic import make_parent, write_bytes
from peftbench.results.folder import ResultsFolder, read_folder
from peftbench.results.record import PARTS, RunRecord, Status
from peftbench.results.safe_read import LINES_CAP, Refused, read_capped

PREDICTIONS = "predictions.jsonl"


def pack(folder_path: Path, out: Path | None = None, leave_out_damaged: bool = False) -> Path:
    """Write the bundle of `folder_path` to `out` (default: <folder>.tar.gz beside it)."""
    folder = read_folder(folder_path)
    records = _packable(folder, leave_out_damaged)
    root = folder.root.resolve()
    out = Path(out) if out is not None else root.with_name(root.name + SUFFIX)
    if out.is_dir():
        raise UserError(f"--out '{out}' is a folder", "give a file name ending in .tar.gz")
    members = {SUITE: _read(folder.root / SUITE, SUITE)} if (folder.root / SUITE).exists() else {}
    ids = [r.run_id for r in records]
    invocation = {"invocations": [{"suite": "pack", "run_ids": ids}], "schema_version": 2}
    members[INVOCATIONS] = _json(invocation)
    for rec in records:
        for rel, data in run_files(rec):
            members[f"{RUNS}/{rec.run_id}/{rel}"] = data
    for name in members:
        problem = member_problem(name)
        if problem:
            raise UserError(f"cannot pack '{name}': {problem}", "rename the file or run")
    manifest = {
        "format": FORMAT,
        "bundle_version": BUNDLE_VERSION,
        "peftbench": __version__,
        "source": folder.suite.name if folder.suite else None,
        "run_ids": ids,
        "members": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in sorted(members.items())
        },
    }
    make_parent(out)
    return write_bytes(out, archive({MANIFEST: _json(manifest), **members}))


def _packable(folder: ResultsFolder, leave_out: bool) -> list[RunRecord]:
    """The ok records, or UserError naming what is damaged or failed (unless left out)."""
    if folder.damaged_files:
        named = "; ".join(f"{d.file}: {d.reason}" for d in folder.damaged_files)
        raise UserError(
            f"{folder.root} has damaged files ({named})",
            "a bundle carries the folder's suite: restore it, or pack a folder that reads",
        )
    bad = folder.damaged + folder.failed
    if bad and not leave_out:
        named = "\n  ".join(f"{r.run_id}: {r.state} ({r.error})" for r in bad)
        raise UserError(
            f"{folder.root} has {len(bad)} damaged or failed record(s):\n  {named}",
            "rerun them (`peftbench run` resumes), or pack without them: --leave-out-damaged",
        )
    if not folder.ok:
        raise UserError(f"{folder.root} has no ok record to pack", "run the suite first")
    return sorted(folder.ok, key=lambda r: r.run_id)


def run_files(rec: RunRecord) -> Iterator[tuple[str, bytes]]:
    """(path in the run folder, bytes) of every file the record is made of."""
    names = [p.FILE for p in (Status, *PARTS)] + [PREDICTIONS]
    listed = list(rec.status.files) if rec.status else []
    for rel in dict.fromkeys(names + listed):
        path = rec.folder / rel
        if rel in listed or os.path.lexists(path):
            yield rel, _read(path, f"{rec.run_id}/{rel}", LINES_CAP)


def _read(path: Path, name: str, cap: int = LIMITS.manifest_bytes) -> bytes:
    try:
        return read_capped(path, min(cap, LIMITS.member_bytes))
    except Refused as exc:
        raise UserError(f"cannot pack {name}: it {exc.reason}") from None
    except OSError as exc:
        raise UserError(f"cannot pack {name}: {exc.strerror or exc}") from None


def _json(data: object) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")


def archive(members: Mapping[str, bytes]) -> bytes:
    """A gzip'd tar of `members` (manifest first, then by path), with fixed times and owners,
    so the same members always give the same bytes."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(members, key=lambda n: (n != MANIFEST, n)):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(members[name]), 0, 0o644
            tar.addfile(info, io.BytesIO(members[name]))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()
