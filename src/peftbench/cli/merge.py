"""`peftbench merge`: community bundles -> one static site of boards (docs/community.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "merge bundles from `peftbench pack` into a static site: one board per model and task"
EXAMPLE = """\
examples:
  peftbench merge alice.tar.gz bob.tar.gz --out site/    # then open site/index.html
  peftbench show site/results                            # the merged records, as a leaderboard
every bundle is checked first (hashes, bundle version, member paths, size caps, damaged records);
a bad bundle refuses the merge (exit 2) and nothing is written. Runs that are not comparable with
a board (other training/evaluation settings, dataset fingerprint, model source, scoring) are left
out and named; the same run in two bundles is counted once; the same run id with other content
(two people ran one cell) refuses the merge unless --keep-first is given."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    from peftbench.cli._common import folder_path

    p.add_argument("bundles", nargs="+", type=Path, metavar="BUNDLE", help="bundle files")
    p.add_argument(
        "--out",
        type=folder_path,
        required=True,
        help="site folder to write (must be new or empty: nothing is overwritten)",
    )
    p.add_argument(
        "--keep-first",
        action="store_true",
        help="when two bundles hold one run id with different content (the same cell run "
        "twice), keep the first bundle's run and list the other as left out (default: refuse)",
    )


def main(args: argparse.Namespace) -> int:
    from peftbench.community.merge import merge
    from peftbench.reports.escape import terminal

    merged = merge(args.bundles, args.out, args.keep_first)
    boards = len({(r.model, r.dataset) for r in merged.folder.ok})
    print(
        f"wrote {args.out}/index.html: {len(merged.sources)} bundles, {len(merged.folder.ok)} "
        f"runs on {boards} boards (one per model and task)"
    )
    for d in merged.duplicates:
        print(terminal(f"duplicate: {d.run_id} in {d.bundle} ({d.reason}): counted once"))
    for d in merged.refused:
        print(
            terminal(f"left out: {d.run_id} in {d.bundle} ({d.cell}): {d.reason}"), file=sys.stderr
        )
    return 0
