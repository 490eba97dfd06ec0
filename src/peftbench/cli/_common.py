"""Arguments and checks that several subcommands share."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path


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
