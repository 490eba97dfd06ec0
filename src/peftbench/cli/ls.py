"""`peftbench ls`: what can be benchmarked (suites, methods, datasets, models)."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "list suites, methods, datasets, models"
EXAMPLE = """\
examples:
  peftbench ls                                    # everything
  peftbench ls methods --params                   # with trainable-parameter counts
  peftbench ls datasets --tasks my-tasks/         # also the datasets declared in a folder
  peftbench ls datasets --suite my-suite.yaml     # also those a suite declares
  peftbench ls methods --params --model hf:meta-llama/Meta-Llama-3-8B-Instruct --suite paper
                                                  # counts on Llama-3-8B, no weights needed
  peftbench ls methods --params --model path/to/config.json"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    from peftbench.cli._common import add_tasks_argument

    p.add_argument(
        "what", nargs="?", default="all", choices=["all", "suites", "methods", "datasets", "models"]
    )
    p.add_argument(
        "--params",
        action="store_true",
        help="also count each method's trainable parameters on the tiny-llama reference model "
        "(builds every method: a few seconds, imports torch)",
    )
    add_tasks_argument(p)
    p.add_argument(
        "--suite",
        help="a suite (name or YAML path): `ls datasets` also lists the datasets it declares; "
        "with `methods --params --model`, counts use its methods and method_params",
    )
    p.add_argument(
        "--model",
        metavar="MODEL",
        help="with `methods --params`: count trainable, stored and inference parameters on this "
        "architecture, built on the meta device (no weights): a config.json (or its folder), "
        "hf:<hub id> (configs of the paper's models ship with peftbench) or a paper model name",
    )


def main(args: argparse.Namespace) -> int:
    from peftbench.errors import UserError
    from peftbench.listing import listing

    if args.model:
        if args.what != "methods" or not args.params:
            raise UserError(
                "--model counts parameters: it goes with `ls methods --params --model`",
                "e.g. peftbench ls methods --params --model "
                "hf:meta-llama/Meta-Llama-3-8B-Instruct --suite paper",
            )
        from peftbench.method_listing import meta_counts_table

        print(meta_counts_table(args.model, args.suite))
        return 0
    if args.tasks or args.suite:
        from peftbench.config.loader import load_suite
        from peftbench.datasets.declared import register_all, resolve_all

        if args.suite:
            load_suite(args.suite, tasks=args.tasks)  # validates and registers its declarations
        else:
            register_all(resolve_all({}, Path.cwd(), args.tasks))
    print(listing(args.what, params=args.params))
    return 0
