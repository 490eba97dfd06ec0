"""`peftbench ls`: what can be benchmarked (suites, methods, datasets, models)."""

from __future__ import annotations

import argparse

HELP = "list suites, methods, datasets, models"
EXAMPLE = """\
examples:
  peftbench ls                                    # everything
  peftbench ls methods --params                   # with trainable-parameter counts
  peftbench ls methods --params --model hf:meta-llama/Meta-Llama-3-8B-Instruct --suite paper
                                                  # counts on Llama-3-8B, no weights needed
  peftbench ls methods --params --model path/to/config.json"""


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
    p.add_argument(
        "--model",
        metavar="MODEL",
        help="with `methods --params`: count trainable, stored and inference parameters on this "
        "architecture, built on the meta device (no weights): a config.json (or its folder), "
        "hf:<hub id> (configs of the paper's models ship with peftbench) or a paper model name",
    )
    p.add_argument(
        "--suite",
        metavar="SUITE",
        help="with --model: the suite's methods and method_params (default: every method's preset)",
    )


def main(args: argparse.Namespace) -> int:
    from peftbench.errors import UserError
    from peftbench.listing import listing

    if args.model or args.suite:
        if args.what != "methods" or not args.params or not args.model:
            raise UserError(
                "--model and --suite count parameters: they go with `ls methods --params --model`",
                "e.g. peftbench ls methods --params --model "
                "hf:meta-llama/Meta-Llama-3-8B-Instruct --suite paper",
            )
        from peftbench.methods._table import meta_counts_table

        print(meta_counts_table(args.model, args.suite))
        return 0
    print(listing(args.what, params=args.params))
    return 0
