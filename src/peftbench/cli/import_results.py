"""`peftbench import hf-peft DIR [--out RESULTS]`: other tools' results as a peftbench folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from peftbench.cli._common import folder_path

HELP = "import HF peft's method-comparison result files into a peftbench results folder"
EXAMPLE = """\
examples:
  peftbench import hf-peft peft/method_comparison/MetaMathQA/results --out results/hf-peft
  peftbench show results/hf-peft          # their runs ranked, with intervals and best sets

Every file of DIR is checked first: one that is not an HF peft result (or is damaged) stops the
import (exit 2) before anything is written. Figures the source never measured (latency, FLOPs)
are missing, never zero; the board says which PSCP terms were left out. Importing again adds
only new files: a record already in RESULTS is never overwritten."""

FORMATS = ("hf-peft",)
DEFAULT_OUT = Path("results/hf-peft")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("format", choices=FORMATS, help="the source's format")
    p.add_argument("source", type=Path, metavar="DIR", help="folder of their result files")
    p.add_argument(
        "--out",
        type=folder_path,
        default=DEFAULT_OUT,
        metavar="RESULTS",
        help=f"results folder to write (created when missing; default {DEFAULT_OUT})",
    )


def main(args: argparse.Namespace) -> int:
    from peftbench.config.paths import check_out_dir
    from peftbench.interop.hf_peft_io import import_hf_peft
    from peftbench.reports.leaderboard import write

    check_out_dir(args.out, "--out")
    report = import_hf_peft(args.source, args.out)
    write(args.out)  # leaderboard.json/.md and records.jsonl, as `run` leaves them
    print(report.summary())
    print(f"results folder: {args.out}  (peftbench show {args.out})")
    return 0
