"""`peftbench compare`: a results folder against a baseline one, as a CI gate (exit 1 = worse)."""

from __future__ import annotations

import argparse
from pathlib import Path

from peftbench.cli._common import add_profile_argument, number_in

HELP = "compare a results folder against a baseline one; exit 1 when it falls short"
EXAMPLE = """\
examples:
  peftbench compare results/new results/main      # fails when the average score dropped
  peftbench compare results/new results/main --tolerance 0.5 --gate each --format md
  peftbench compare results/new results/main --test paired   # noise on the eval items is no drop"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("new", type=Path, help="results folder under test")
    p.add_argument("baseline", type=Path, help="baseline results folder")
    p.add_argument("--metric", default="score", choices=["score", "pscp", "pscp_paper"])
    p.add_argument(
        "--tolerance",
        type=number_in(0),
        default=0.0,
        help="allowed drop, in the metric's points, before the new set falls short (default 0)",
    )
    p.add_argument(
        "--alpha",
        type=number_in(0, 1, above=True),
        default=0.05,
        help="significance level (default 0.05)",
    )
    p.add_argument(
        "--require-significance",
        action="store_true",
        help="a drop counts only when Welch's t-test over seeds finds it significant",
    )
    p.add_argument(
        "--against",
        metavar="METHOD",
        help="baseline method for new methods the baseline lacks (default: its best)",
    )
    p.add_argument(
        "--gate",
        default="average",
        choices=["average", "each"],
        help="fail on the average over datasets only (default), or on any dataset too",
    )
    p.add_argument(
        "--test",
        default="welch",
        choices=["welch", "paired"],
        help="welch: Welch's t-test over seeds (default); paired: paired bootstrap on the same "
        "eval items, so a drop inside the noise does not fail the gate (task scores only)",
    )
    p.add_argument("--format", default="text", choices=["text", "md", "json"])
    add_profile_argument(p, "compare PSCP")


def main(args: argparse.Namespace) -> int:
    import json

    from peftbench.reports.compare import compare, render

    result = compare(
        args.new,
        args.baseline,
        metric=args.metric,
        tolerance=args.tolerance,
        alpha=args.alpha,
        require_significance=args.require_significance,
        against=args.against,
        gate=args.gate,
        profile=args.profile,
        test=args.test,
    )
    if args.format == "json":
        print(json.dumps(result, indent=2, default=str))
    else:
        print(render(result, markdown=args.format == "md"))
    return 0 if result["passed"] else 1
