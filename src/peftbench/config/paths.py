"""Checks on the paths a command will write to, made before anything starts."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from peftbench.errors import UserError

PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")  # <= 100: a folder name fits


def check_plain_name(key: str, name: str) -> None:
    """A name that becomes a folder name (suite name): letters, digits, '-', '_', '.'; no path."""
    if not isinstance(name, str) or not PLAIN_NAME.match(name) or name in (".", ".."):
        raise UserError(
            f"'{key}' is {name!r}, but it must be a plain name (letters, digits, '-', '_', '.', "
            "starting with a letter or digit, at most 100), not a path",
            f"set '{key}' to a name like my-suite_v2; choose where results go with --out",
        )


def check_out_dir(out: Path, flag: str) -> None:
    """`out` must be a folder we can write into, or a path whose nearest existing parent is one."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(
            f"{flag} '{out}' is a file, not a folder",
            f"give a folder path to {flag} (it is created when missing)",
        )
    _check_not_in_results(out, flag)
    existing = out
    while not existing.exists():
        if existing.is_symlink():  # exists() is False for a dangling link or a link loop
            raise UserError(
                f"{flag} '{out}' cannot be created: '{existing}' is a broken symbolic link "
                "(its target is missing, or it points to itself)",
                f"remove the link or give another folder to {flag}",
            )
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise UserError(
            f"{flag} '{out}' cannot be created: '{existing}' is a file, not a folder",
            f"give a folder path to {flag}",
        )
    reason = _not_writable(existing)
    if reason:
        where = "" if existing == out else f" (its nearest existing folder '{existing}')"
        raise UserError(
            f"{flag} '{out}' is not writable{where}: {reason}",
            f"choose a folder you can write to with {flag}, or fix its permissions",
        )


def _not_writable(folder: Path) -> str | None:
    """Why files cannot be created in `folder` (None when they can): asked of the OS, then tried,
    since root passes permission checks but not a read-only file system."""
    if not os.access(folder, os.W_OK | os.X_OK):
        return "permission denied (read-only)"
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".peftbench-probe-"):
            pass
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _check_not_in_results(out: Path, flag: str) -> None:
    """`out` must not be, or sit inside, a run folder or a results folder's `runs/`: the outer
    folder's readers would take the new results folder for a damaged run (and a rerun there
    would set it aside)."""
    for folder in (out, *out.absolute().parents):
        if folder.parent.name == "runs" and (folder / "status.json").exists():
            what = f"'{folder}' is a run folder"
        elif folder.name == "runs" and (folder.parent / "suite.json").exists():
            what = f"'{folder}' holds the runs of the results folder '{folder.parent}'"
        else:
            continue
        raise UserError(
            f"{flag} '{out}' is inside another results folder: {what}",
            f"give {flag} a folder of its own (e.g. next to '{folder.parent}')",
        )
