"""`peftbench ls`: what can be benchmarked (suites, methods, datasets, models)."""

from __future__ import annotations

import argparse

HELP = "list suites, methods, datasets, models"
EXAMPLE = """\
examples:
  peftbench ls                                    # everything
  peftbench ls methods --params                   # with trainable-parameter counts"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "what", nargs="?", default="all", choices=["all", "suites", "methods", "datasets", "models"]
    )
    p.add_argument(
        "--params",
        action="store_true",
        help="also count each method's trainable parameters on the tiny-llama reference model "
        "(builds every method: a few seconds, imports torch)",
    )


def main(args: argparse.Namespace) -> int:
    from peftbench.listing import listing

    print(listing(args.what, params=args.params))
    return 0
