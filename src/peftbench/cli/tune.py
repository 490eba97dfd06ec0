"""`peftbench tune`: search each method's learning rate on a held-out part of the train split."""

from __future__ import annotations

import argparse
from pathlib import Path

from peftbench.cli._common import add_suite_arguments, count_in, folder_path, number_in

HELP = "search each method's learning rate on a held-out part of the train split (Optuna)"
EXAMPLE = """\
examples:
  peftbench tune smoke --trials 4                 # -> results/smoke/tune/presets.yaml
  peftbench run smoke --presets results/smoke/tune/presets.yaml"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_suite_arguments(p)
    p.add_argument(
        "--trials", type=count_in(1, 10_000), default=8, help="trials per method (default 8)"
    )
    p.add_argument(
        "--holdout",
        type=number_in(0, 0.9, above=True),
        default=0.2,
        help="share of the train split held out to score trials (default 0.2); the eval split "
        "is never used",
    )
    p.add_argument(
        "--span",
        type=number_in(1, 1e6, above=True),
        default=10.0,
        help="search each learning rate within [preset / SPAN, preset * SPAN] (log scale)",
    )
    p.add_argument(
        "--out", type=folder_path, help="folder for presets.yaml (default results/<suite>/tune)"
    )


def main(args: argparse.Namespace) -> int:
    from peftbench.config.paths import check_out_dir
    from peftbench.preflight import preflight
    from peftbench.prepare import prepare
    from peftbench.suite import load_suite
    from peftbench.tuning import TuneSettings, tune

    suite = load_suite(args.suite, args.overrides, tasks=args.tasks)
    preflight(suite, args.data_dir, backend=False)
    settings = TuneSettings(trials=args.trials, holdout=args.holdout, span=args.span)
    out = args.out or Path("results") / suite.name / "tune"
    check_out_dir(out, "--out")
    prepare(suite, args.data_dir)
    presets = tune(suite, settings, out, args.data_dir, progress=not args.no_progress)
    print(f"\nchosen learning rates -> {presets}")
    print(f"use them: peftbench run {args.suite} --presets {presets}")
    return 0
