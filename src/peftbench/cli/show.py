"""`peftbench show`: the leaderboard of a results folder, or one run."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "print the leaderboard of a results folder, or one run"
EXAMPLE = """\
examples:
  peftbench show results/default                  # the leaderboard
  peftbench show results/default/runs/RUN_ID      # one run's config, metrics and costs
  peftbench show results/default --profile latency   # ranked for serving (docs/profiles.md)
  peftbench show results/default --max-train-mem 8GB --max-slowdown 5% --min-score 70"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    from peftbench.cli._common import add_constraint_arguments, add_profile_argument

    p.add_argument("path", type=Path, help="results folder, or one run's folder inside it")
    add_profile_argument(p)
    add_constraint_arguments(p)


def main(args: argparse.Namespace) -> int:
    from peftbench.cli._common import constraints_of
    from peftbench.listing import show
    from peftbench.reports.escape import terminal_lines

    # a run's record is printed as it holds it: no control sequence reaches the terminal
    print(terminal_lines(show(args.path, args.profile, constraints_of(args))))
    return 0
