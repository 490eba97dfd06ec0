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
  peftbench ls methods --flops --model hf:meta-llama/Meta-Llama-3-8B-Instruct --suite paper
                                                  # forward FLOPs, batch 1 x 512 tokens
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
    p.add_argument(
        "--flops",
        action="store_true",
        help="with `methods --model`: count each method's forward FLOPs (deployed form, batch 1 "
        "x --tokens tokens) on the model's architecture, built on the meta device (no weights)",
    )
    p.add_argument(
        "--tokens",
        type=int,
        default=512,
        metavar="N",
        help="with --flops: tokens of the counted forward pass (default 512, the paper's)",
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
        help="with `methods --params` / `--flops`: count trainable, stored and inference "
        "parameters (or forward FLOPs) on this architecture, built on the meta device (no "
        "weights): a config.json (or its folder), "
        "hf:<hub id> (configs of the paper's models ship with peftbench) or a paper model name",
    )


def main(args: argparse.Namespace) -> int:
    from peftbench.errors import UserError
    from peftbench.listing import listing

    if args.flops and not args.model:
        raise UserError(
            "--flops counts on a model's architecture: it needs --model",
            "e.g. peftbench ls methods --flops --model hf:meta-llama/Meta-Llama-3-8B-Instruct "
            "--suite paper",
        )
    if args.model:
        return _meta_tables(args)
    if args.tasks or args.suite:
        from peftbench.datasets.declared import register_all, resolve_all
        from peftbench.suite import load_suite

        if args.suite:
            load_suite(args.suite, tasks=args.tasks)  # validates and registers its declarations
        else:
            register_all(resolve_all({}, Path.cwd(), args.tasks))
    print(listing(args.what, params=args.params))
    return 0


def _meta_tables(args: argparse.Namespace) -> int:
    """`ls methods --params/--flops --model M`: counts on M's architecture, no weights."""
    from peftbench.errors import UserError

    if args.what != "methods" or not (args.params or args.flops):
        raise UserError(
            "--model counts parameters or FLOPs: it goes with `ls methods --params --model` "
            "or `ls methods --flops --model`",
            "e.g. peftbench ls methods --params --model "
            "hf:meta-llama/Meta-Llama-3-8B-Instruct --suite paper",
        )
    if args.tokens < 1:
        raise UserError(f"--tokens is {args.tokens}", "a number of tokens of at least 1")
    from peftbench.method_listing import meta_counts_table, meta_flops_table

    tables = []
    if args.params:
        tables.append(meta_counts_table(args.model, args.suite))
    if args.flops:
        tables.append(meta_flops_table(args.model, args.suite, args.tokens))
    print("\n\n".join(tables))
    return 0
