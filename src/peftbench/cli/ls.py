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
  peftbench ls datasets --suite my-suite.yaml     # also those a suite declares"""


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
    p.add_argument("--suite", help="also list the datasets this suite (name or YAML path) declares")


def main(args: argparse.Namespace) -> int:
    from peftbench.listing import listing

    if args.tasks or args.suite:
        from peftbench.config.loader import load_suite
        from peftbench.datasets.declared import register_all, resolve_all

        if args.suite:
            load_suite(args.suite, tasks=args.tasks)  # validates and registers its declarations
        else:
            register_all(resolve_all({}, Path.cwd(), args.tasks))
    print(listing(args.what, params=args.params))
    return 0
