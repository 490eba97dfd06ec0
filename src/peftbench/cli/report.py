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
    p.add_argument("results", type=Path, help="results folder (the --out of `run`)")
    p.add_argument("--format", default="html", choices=["html", "md", "csv", "latex", "json"])
    p.add_argument(
        "--out",
        help="file to write, or - for stdout (default: RESULTS/report.<ext>; CSV: one "
        "report-<table>.csv per table)",
    )
    p.add_argument(
        "--table",
        default="all",
        choices=["all", "main", "efficiency", "stability", "sensitivity", "problems"],
        help="which tables (md, csv, latex; default all)",
    )


def main(args: argparse.Namespace) -> int:
    from peftbench.reports.report import write_report

    for path in write_report(args.results, args.format, args.out, args.table):
        print(f"wrote {path}")
    return 0
