"""`peftbench run`: validate a suite, run every pending cell, print the leaderboard."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from peftbench.cli._common import add_profile_argument, add_suite_arguments, folder_path
from peftbench.errors import UserError

if TYPE_CHECKING:
    from peftbench.board.model import Board
    from peftbench.config.schema import RunSpec, SelectionSettings

HELP = "run a suite (default: the embedded 'default' suite)"
EXAMPLE = """\
examples:
  peftbench run                                   # the default suite -> results/default
  peftbench run smoke --set training.max_steps=5 --out results/try
  peftbench run my-suite.yaml --dry-run           # validate and list the runs only"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_suite_arguments(p)
    add_profile_argument(p, "score and rank")
    p.add_argument("--out", type=folder_path, help="results folder (default: results/<suite name>)")
    p.add_argument("--dry-run", action="store_true", help="validate and list runs; run nothing")
    p.add_argument(
        "--backend", help="where runs execute: local (default), inline, ray (overrides the suite)"
    )
    p.add_argument(
        "--address",
        help="Ray cluster to join, e.g. 'auto' or HOST:6379 (implies --backend ray); "
        "without it the ray backend starts a Ray instance on this machine",
    )
    p.add_argument(
        "--presets",
        type=Path,
        help="YAML of tuned method_params (written by `peftbench tune`), applied before --set",
    )


def main(args: argparse.Namespace) -> int:
    from peftbench.config.paths import check_out_dir
    from peftbench.preflight import preflight
    from peftbench.suite import expand, load_suite
    from peftbench.tuned_rates import read_presets

    overrides = list(args.overrides)
    if args.backend or args.address:
        overrides.append(f"backend={args.backend or 'ray'}")
    layers = [read_presets(args.presets)] if args.presets else []
    suite = load_suite(args.suite, overrides, layers, tasks=args.tasks)
    if args.profile:  # the suite's PSCP weights become the profile's (run ids do not change)
        from peftbench.scoring.profiles import get_profile

        suite = dataclasses.replace(suite, scoring=get_profile(args.profile).apply(suite.scoring))
    if args.address and suite.backend != "ray":
        raise UserError(
            f"--address joins a Ray cluster, but the backend is '{suite.backend}'",
            "use --backend ray with --address, or drop --address",
        )
    preflight(suite, args.data_dir)
    runs = expand(suite)
    out = args.out or Path("results") / suite.name
    check_out_dir(out, "--out")
    if args.dry_run:
        return _dry_run(suite.name, runs, out)
    from peftbench.grid import run_suite
    from peftbench.prepare import prepare
    from peftbench.reports.leaderboard import render, write

    prepare(suite, args.data_dir)
    run_suite(
        suite, out, args.data_dir, progress=not args.no_progress, address=args.address, runs=runs
    )
    board = write(out)  # the one board, built once: leaderboard.json/.md and report.html
    print()
    print(render(board))
    print(f"\nresults: {out}")
    if suite.report_to:
        from peftbench.trackers import TRACKERS

        for name in suite.report_to:
            print(f"{name}: {TRACKERS.get(name).where(out)}")
    reported = _write_run_report(out, board)
    return 1 if board.failed or board.damaged or not reported else 0


def _dry_run(name: str, runs: list, out: Path) -> int:
    from peftbench.results.store import ResultsStore

    store = ResultsStore(out) if (out / "runs").is_dir() else None
    print(f"suite '{name}': {len(runs)} runs -> {out}")
    _print_configurations(runs)
    for r in runs:
        state = store.read(r.run_id).state if store and store.run_dir(r.run_id).is_dir() else ""
        mark = {"ok": "done   ", "damaged": "damaged"}.get(state, "pending")
        lr = r.method_params.get("learning_rate", "-")
        print(f"  {mark} {r.run_id}  lr={f'searched around {lr}' if r.selection else lr}")
    return 0


def _print_configurations(runs: list[RunSpec]) -> None:
    """What each method runs with (preset + the suite's method_params) and the shared training
    settings, once, so a dry run shows the configuration, not only run ids."""
    from dataclasses import asdict

    from peftbench.method_listing import describe_params

    if not runs:
        return
    training = " ".join(f"{k}={v}" for k, v in asdict(runs[0].training).items())
    print(f"  training: {training}")
    print(
        f"  model_options: {' '.join(f'{k}={v}' for k, v in asdict(runs[0].model_options).items())}"
    )
    configs: dict[str, dict] = {}
    searches: dict[str, str] = {}
    for r in runs:
        configs.setdefault(r.method, r.method_params)
        if r.selection:
            preset = float(r.method_params["learning_rate"])
            searches.setdefault(r.method, _search_text(preset, r.selection))
    width = max(map(len, configs))
    for method, params in configs.items():
        lr = params.get("learning_rate", "-")
        search = searches.get(method, "")
        print(f"  method {method.ljust(width)}  lr={lr}{search}  {describe_params(params)}")


def _search_text(learning_rate: float, sel: SelectionSettings) -> str:
    """' searched over [a, b, ...]': the learning-rate grid a cell's selection will try around
    the cell's preset `learning_rate`."""
    from peftbench.selection import rate_grid

    grid = rate_grid(learning_rate, sel.trials, sel.span)
    rates = ", ".join(f"{g:.3g}" for g in grid)
    return f" -> searched over [{rates}] (seed {sel.seed}, {sel.dev_examples} dev items)"


def _write_run_report(out: Path, board: Board) -> bool:
    """The HTML report next to the results; a failure here never loses the finished runs, but
    the command then exits non-zero (the message names the path and the reason)."""
    from peftbench.reports.report import write_html
    from peftbench.results.atomic import WriteError

    try:
        print(f"report: {write_html(out, board)}")
        return True
    except WriteError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
    except Exception as exc:  # the results are safe on disk; say how to retry
        print(f"error: could not write the HTML report: {exc}", file=sys.stderr)
    print(f"  hint: the runs are safe; retry with: peftbench --debug report {out}", file=sys.stderr)
    return False
