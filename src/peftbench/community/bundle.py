"""A bundle: one results folder's ok records, its suite and a manifest, in one `.tar.gz` file.

Members (paths inside the archive; nothing else is allowed in a bundle):

    manifest.json            format, bundle_version, peftbench version, run_ids, and the sha256
                             and size of every other member (the manifest cannot hash itself: a
                             changed manifest no longer matches the members it names)
    suite.json               the folder's suite (its scoring ranks the merged board)
    invocations.json         one invocation: the packed run_ids (so the folder reader counts them)
    runs/<run_id>/<file>     each record's JSON parts, predictions.jsonl and the files its
                             status.json lists (results/record.py)

Why tar.gz, not zip: the reader takes one gzip stream front to back through a byte counter, so
its cap on the unpacked size holds whatever the headers claim (a zip's central directory can
disagree with its local headers, and overlapping entries make small bombs); links and devices
are member types of their own, refused by type; and written with fixed times, owners and order,
the same folder always packs to the same bytes, so a bundle's sha256 names its content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FORMAT = "peftbench-bundle"
BUNDLE_VERSION = 1
READABLE_BUNDLE_VERSIONS = (1,)
SUFFIX = ".tar.gz"

MANIFEST = "manifest.json"
SUITE = "suite.json"
INVOCATIONS = "invocations.json"
RUNS = "runs"

# a member path: plain names joined by '/', no '.', '..', empty part, backslash or odd character
SAFE_PART = re.compile(r"^(?!\.\.?$)[A-Za-z0-9_.+=@-][A-Za-z0-9_.+=@ -]{0,199}$")
MAX_PATH = 400


@dataclass(frozen=True)
class Limits:
    """What a bundle may hold at most, checked while it is read (a bomb stops at the cap)."""

    members: int = 20_000
    member_bytes: int = 1024 * 2**20  # one file (an adapter)
    total_bytes: int = 2048 * 2**20  # everything unpacked, tar headers included
    manifest_bytes: int = 16 * 2**20


LIMITS = Limits()


def member_problem(name: str) -> str | None:
    """Why `name` cannot be a bundle member's path (None when it can)."""
    if not name or len(name) > MAX_PATH:
        return "an empty or overlong path"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "an absolute path"
    parts = name.split("/")
    if ".." in parts:
        return "a path that climbs out of the bundle ('..')"
    if not all(SAFE_PART.match(p) for p in parts):
        return "a path with an empty part, '.', a backslash or a character a bundle never uses"
    if len(parts) == 1 and name not in (MANIFEST, SUITE, INVOCATIONS):
        return "a file a bundle does not hold"
    if len(parts) > 1 and (parts[0] != RUNS or len(parts) < 3):
        return "a path outside runs/<run_id>/"
    return None
