"""`peftbench import FORMAT SRC --out RESULTS`: other tools' results as a peftbench folder."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "import another tool's results (HF peft's method comparison) into a results folder"
EXAMPLE = """\
examples:
  peftbench import hf-peft peft/method_comparison/MetaMathQA/results --out results/hf-peft
  peftbench show results/hf-peft          # their runs ranked, with intervals

Figures the source never measured (latency, FLOPs) are missing, never zero; the board says
which PSCP terms were left out. Importing again adds only new files; imported records are
never overwritten."""

FORMATS = ("hf-peft",)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("format", choices=FORMATS, help="the source's format")
    p.add_argument("source", type=Path, help="folder of result files (searched recursively)")
    p.add_argument(
        "--out", type=Path, required=True, help="results folder to write (created when missing)"
    )


def main(args: argparse.Namespace) -> int:
    from peftbench.config.paths import check_out_dir
    from peftbench.interop.hf_peft_io import import_hf_peft

    check_out_dir(args.out, "--out")
    report = import_hf_peft(args.source, args.out)
    print(report.summary())
    print(f"results folder: {args.out}  (peftbench show {args.out})")
    return 0
