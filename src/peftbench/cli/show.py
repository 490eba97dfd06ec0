"""`peftbench show`: the leaderboard of a results folder, or one run."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "print the leaderboard of a results folder, or one run"
EXAMPLE = """\
examples:
  peftbench show results/default                  # the leaderboard
  peftbench show results/default/runs/RUN_ID      # one run's config, metrics and costs"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", type=Path, help="results folder, or one run's folder inside it")


def main(args: argparse.Namespace) -> int:
    from peftbench.listing import show

    print(show(args.path))
    return 0
