"""`peftbench tune`: the learning-rate selection stage ahead of the grid (tuning.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from peftbench.cli._common import add_suite_arguments, count_in, folder_path, number_in

HELP = "search each method's learning rate on a dev slice of the train split (`selection`)"
EXAMPLE = """\
examples:
  peftbench tune smoke --trials 4                 # -> results/smoke/tune/presets.yaml
  peftbench run smoke --presets results/smoke/tune/presets.yaml
  peftbench run smoke --set selection.trials=4    # the same searches, reused, inside run"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_suite_arguments(p)
    p.add_argument(
        "--trials",
        type=count_in(2, 64),
        default=4,
        help="learning rates per method, the same for every method (default 4)",
    )
    p.add_argument(
        "--span",
        type=number_in(0, 6, above=True),
        default=1.0,
        help="decades of learning rate the grid spans around each preset (default 1)",
    )
    p.add_argument(
        "--dev-examples",
        type=count_in(1, 100_000),
        default=64,
        help="train-split items held out to score the trials (default 64); eval is never used",
    )
    p.add_argument(
        "--out",
        type=folder_path,
        help="results folder (default results/<suite>, where `run` finds the trials); "
        "presets.yaml and tune.json go into its tune/",
    )


def main(args: argparse.Namespace) -> int:
    from peftbench.config.paths import check_out_dir
    from peftbench.config.schema import SelectionSettings
    from peftbench.preflight import preflight
    from peftbench.prepare import prepare
    from peftbench.suite import load_suite
    from peftbench.tuning import tune

    suite = load_suite(args.suite, args.overrides, tasks=args.tasks)
    settings = SelectionSettings(
        trials=args.trials,
        span=args.span,
        dev_examples=args.dev_examples,
        seed=suite.selection.seed,
    )
    preflight(suite, args.data_dir, backend=False)
    out = args.out or Path("results") / suite.name
    check_out_dir(out, "--out")
    prepare(suite, args.data_dir)
    presets = tune(suite, settings, out, args.data_dir, progress=not args.no_progress)
    print(f"\nchosen learning rates -> {presets} (trial table: {presets.parent / 'tune.json'})")
    print(f"use them: peftbench run {args.suite} --presets {presets}")
    return 0
