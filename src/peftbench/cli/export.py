"""`peftbench export RESULTS --format hf-peft --out DIR`: our records in another tool's schema."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "write a results folder's records in another tool's schema (HF peft's result files)"
EXAMPLE = """\
examples:
  peftbench export results/default --format hf-peft --out hf-results/
  peftbench import hf-peft hf-results/ --out results/roundtrip   # and back

One JSON file per ok run, with every key of their schema; figures we do not have are null."""

FORMATS = ("hf-peft",)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("results", type=Path, help="results folder (the --out of `run`)")
    p.add_argument("--format", choices=FORMATS, required=True, help="the schema to write")
    p.add_argument("--out", type=Path, required=True, help="folder for the files")


def main(args: argparse.Namespace) -> int:
    from peftbench.config.paths import check_out_dir
    from peftbench.interop.hf_peft_out import export_hf_peft
    from peftbench.results.folder import read_folder

    check_out_dir(args.out, "--out")
    folder = read_folder(args.results)
    written = export_hf_peft(folder.records, args.out)
    left = len(folder.records) - len(written)
    print(
        f"wrote {len(written)} file(s) to {args.out}"
        + (f"; {left} run(s) not ok: left out" if left else "")
    )
    return 0
