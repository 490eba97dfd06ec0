"""`peftbench pack`: one results folder -> one bundle others can check and merge."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "pack a results folder into one checkable bundle (.tar.gz) for a community board"
EXAMPLE = """\
examples:
  peftbench pack results/smoke                      # writes results/smoke.tar.gz
  peftbench pack results/smoke --out my-runs.tar.gz
  peftbench pack results/smoke --leave-out-damaged  # pack the ok runs, skip damaged/failed ones
then: peftbench merge a.tar.gz b.tar.gz --out site/   (docs/community.md)"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", type=Path, help="results folder (the --out of `peftbench run`)")
    p.add_argument("--out", type=Path, help="bundle file to write (default: <folder>.tar.gz)")
    p.add_argument(
        "--leave-out-damaged",
        action="store_true",
        help="pack the ok runs and leave damaged and failed ones out (default: refuse)",
    )


def main(args: argparse.Namespace) -> int:
    from peftbench.community.pack import pack
    from peftbench.community.read import read_bundle
    from peftbench.results.folder import read_folder

    path = pack(args.path, args.out, args.leave_out_damaged)
    bundle = read_bundle(path)  # what merge will check, checked now
    print(f"wrote {path}: {len(bundle.run_ids)} runs, sha256 {bundle.sha256}")
    folder = read_folder(args.path)
    left = len(folder.records) - len(bundle.run_ids)
    if left or folder.missing:
        print(
            f"note: {left} damaged or failed run(s) left out; {len(folder.missing)} run(s) of "
            "the last invocation missing from the folder (not packed)"
        )
    return 0
