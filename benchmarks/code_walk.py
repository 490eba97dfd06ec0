"""The walk of a results folder through the code: which peftbench modules `peftbench report`
enters, how often control crosses from one module to another, and how often it climbs back up
the layers (a lower layer calling a higher one, i.e. a callback or a layer violation at run time).

Why: issue 23 measured the pre-board report path as "enters 20 modules, climbs back up 6 times,
returns 61 times"; this script is that measurement, repeatable on any checkout.

python benchmarks/code_walk.py [RESULTS_DIR] [--format html]

Run it with the checkout to measure first on the path (PYTHONPATH=src). Counts (not times), so a
loaded machine does not change them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

# Lowest first: a call from a package to one of a higher rank is a climb back up.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "registry", "quiet", "cache"),
    ("config",),
    ("datasets", "metrics", "models", "methods"),
    ("training", "evaluation", "efficiency", "stability", "scoring"),
    ("results",),
    ("pipeline", "tuning", "grid", "backends"),
    ("board",),
    ("reports", "listing", "method_listing"),
    ("cli", "__main__"),
)


def _rank(module: str) -> int:
    """The layer of a peftbench module (by its first package); unknown ones sit at the bottom."""
    head = module.removeprefix("peftbench.").split(".")[0]
    return next((i for i, names in enumerate(LAYERS) if head in names), 0)


class Walk:
    """Counts module-to-module calls and returns inside peftbench while a command runs."""

    def __init__(self) -> None:
        self.modules: set[str] = set()
        self.crossings = 0  # calls from one peftbench module into another
        self.returns = 0  # returns from one peftbench module back into another
        self.climbs = 0  # crossings into a higher layer
        self.climb_edges: set[tuple[str, str]] = set()
        self.edges: set[tuple[str, str]] = set()  # distinct (caller, callee) module pairs

    def profile(self, frame: FrameType, event: str, _arg: Any) -> None:
        if event not in ("call", "return"):
            return
        callee = frame.f_globals.get("__name__", "")
        caller_frame = frame.f_back
        caller = caller_frame.f_globals.get("__name__", "") if caller_frame else ""
        if not callee.startswith("peftbench") or not caller.startswith("peftbench"):
            return
        if callee == caller:
            return
        if event == "return":
            self.returns += 1
            return
        self.modules.add(callee)
        self.crossings += 1
        self.edges.add((caller, callee))
        if _rank(callee) > _rank(caller):
            self.climbs += 1
            self.climb_edges.add((caller, callee))


def measure(command: Callable[[], object]) -> Walk:
    walk = Walk()
    sys.setprofile(walk.profile)
    try:
        command()
    finally:
        sys.setprofile(None)
    return walk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = Path(__file__).parents[1] / "tests" / "data" / "board" / "smoke_results"
    parser.add_argument("results", nargs="?", type=Path, default=default)
    parser.add_argument("--format", default="html")
    args = parser.parse_args()
    from peftbench.cli import main as cli

    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / f"report.{args.format}")
        argv = ["report", str(args.results), "--format", args.format, "--out", out]
        cli(argv)  # once to import everything: imports are not the walk
        walk = measure(lambda: cli(argv))
    print(f"peftbench report --format {args.format} on {args.results}")
    print(f"modules entered:                {len(walk.modules)}")
    print(f"calls across modules:           {walk.crossings} ({len(walk.edges)} distinct edges)")
    print(f"returns across modules:         {walk.returns}")
    print(f"climbs back up (lower->higher): {walk.climbs} calls, {len(walk.climb_edges)} edges")
    for caller, callee in sorted(walk.climb_edges):
        print(f"  {caller} -> {callee}")


if __name__ == "__main__":
    main()
