"""`peftbench report`: a results folder as an HTML report or paper tables."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "turn a results folder into an HTML report or paper tables"
EXAMPLE = """\
examples:
  peftbench report results/default                # -> results/default/report.html
  peftbench report results/default --format latex --table main --out -"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    from peftbench.cli._common import add_constraint_arguments, add_profile_argument
    from peftbench.reports import formats

    p.add_argument("results", type=Path, help="results folder (the --out of `run`)")
    p.add_argument("--format", default="html", choices=formats.names())
    p.add_argument(
        "--out",
        help="file to write, or - for stdout (default: RESULTS/report.<ext>; CSV: one "
        "report-<table>.csv per table)",
    )
    p.add_argument(
        "--table",
        default="all",
        choices=list(formats.TABLES),
        help="which tables (md, csv, latex; default all)",
    )
    add_profile_argument(p)
    add_constraint_arguments(p)


def main(args: argparse.Namespace) -> int:
    from peftbench.cli._common import constraints_of
    from peftbench.reports.report import write_report

    limits = constraints_of(args)
    for path in write_report(args.results, args.format, args.out, args.table, args.profile, limits):
        print(f"wrote {path}")
    return 0
