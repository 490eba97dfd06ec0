"""Arguments and checks that several subcommands share."""

from __future__ import annotations

import argparse
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
    if progress:
        p.add_argument("--no-progress", action="store_true", help="no progress bars")
