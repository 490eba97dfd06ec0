"""`peftbench export --format hf-peft RESULTS --out DIR`: our records in another tool's schema."""

from __future__ import annotations

import argparse
from pathlib import Path

from peftbench.cli._common import folder_path

HELP = "write a results folder's runs in another tool's schema (HF peft's result files)"
EXAMPLE = """\
examples:
  peftbench export --format hf-peft results/default --out hf-results/
  peftbench import hf-peft hf-results/ --out results/roundtrip   # and back

One JSON file per finished run, with every key of their schema; figures we do not have are null.
Nothing in DIR is overwritten: a file there that the export would change stops it (exit 2)."""

FORMATS = ("hf-peft",)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=FORMATS, required=True, help="the schema to write")
    p.add_argument("results", type=Path, metavar="RESULTS", help="results folder (of `run`)")
    p.add_argument(
        "--out", type=folder_path, required=True, metavar="DIR", help="folder for the files"
    )


def main(args: argparse.Namespace) -> int:
    from peftbench.config.paths import check_out_dir
    from peftbench.interop.hf_peft_out import export_hf_peft
    from peftbench.results.folder import read_folder

    folder = read_folder(args.results)
    check_out_dir(args.out, "--out")
    report = export_hf_peft(folder.records, args.out)
    line = f"wrote {len(report.written)} file(s) to {args.out}"
    if report.unchanged:
        line += f"; {len(report.unchanged)} already there with the same content"
    if report.left_out:
        line += f"; {report.left_out} failed or damaged run(s) left out"
    print(line)
    return 0
