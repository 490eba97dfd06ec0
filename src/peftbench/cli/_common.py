"""Arguments and checks that several subcommands share."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peftbench.scoring.constraints import Constraints


def folder_path(text: str) -> Path:
    """An --out folder: an empty value would silently mean the current folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty: give a folder path")
    return Path(text)


def add_suite_arguments(p: argparse.ArgumentParser, progress: bool = True) -> None:
    """SUITE, --set, --data-dir (and --no-progress): how every suite-taking command starts."""
    p.add_argument(
        "suite",
        nargs="?",
        default="default",
        help="built-in suite name (`peftbench ls suites`) or YAML path (default: default)",
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a setting, e.g. --set training.max_steps=10 (repeatable)",
    )
    p.add_argument("--data-dir", type=Path, help="local dataset files (for offline use)")
    add_tasks_argument(p)
    if progress:
        p.add_argument("--no-progress", action="store_true", help="no progress bars")


def add_profile_argument(p: argparse.ArgumentParser, what: str = "rank") -> None:
    from peftbench.scoring.profiles import PROFILES

    p.add_argument(
        "--profile",
        choices=list(PROFILES),
        help=f"{what} with a named PSCP weight profile instead of the suite's weights "
        "(balanced = the defaults; latency, memory, storage: docs/profiles.md); nothing is re-run",
    )


def add_constraint_arguments(p: argparse.ArgumentParser) -> None:
    """--max-train-mem, --max-slowdown, --min-score: the methods a user can afford."""
    from peftbench.scoring.constraints import memory_mib, percent, score

    p.add_argument(
        "--max-train-mem",
        type=memory_mib,
        metavar="SIZE",
        help="only methods whose peak training memory is at most SIZE, e.g. 8GB, 500MB, 16GiB",
    )
    p.add_argument(
        "--max-slowdown",
        type=percent,
        metavar="PCT",
        help="only methods at most PCT slower than the base model at inference, e.g. 5%%",
    )
    p.add_argument(
        "--min-score",
        type=score,
        metavar="S",
        help="only methods with an average task score of at least S (0-100)",
    )


def constraints_of(args: argparse.Namespace) -> Constraints:
    from peftbench.scoring.constraints import Constraints

    return Constraints(args.max_train_mem, args.max_slowdown, args.min_score)


def add_tasks_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--tasks",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="folder of declared datasets, one YAML file each (the file name is the dataset "
        "name); usable in the suite's `datasets` like built-in ones (repeatable)",
    )


def number_in(
    low: float, high: float | None = None, *, above: bool = False
) -> Callable[[str], float]:
    """An argparse type: a finite number >= low (> low when `above`) and <= high."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        too_low = value <= low if above else value < low
        if not math.isfinite(value) or too_low or (high is not None and value > high):
            bounds = f"{'>' if above else '>='} {low:g}" + (f" and <= {high:g}" if high else "")
            raise argparse.ArgumentTypeError(f"'{text}' must be a finite number {bounds}")
        return value

    return parse


def count_in(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: an integer from low to high."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not an integer") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"'{text}' must be an integer from {low} to {high}")
        return value

    return parse
