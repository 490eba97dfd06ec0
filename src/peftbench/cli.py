"""The `peftbench` command. Imports nothing heavy until a command needs it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from peftbench import __version__
from peftbench.errors import UserError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="peftbench",
        description="Benchmark parameter-efficient fine-tuning methods: model x method x "
        "dataset x seed, scored on task metrics, cost, and PSCP.",
    )
    p.add_argument("--version", action="version", version=f"peftbench {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    p.add_argument(
        "--plugins",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="folder of plugin *.py files registering methods, datasets, models or metrics "
        "(repeatable; adds to $PEFTBENCH_PLUGINS)",
    )
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a suite (default: the embedded 'default' suite)")
    run.add_argument("suite", nargs="?", default="default", help="built-in suite name or YAML path")
    run.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a setting, e.g. --set training.max_steps=10 (repeatable)",
    )
    run.add_argument("--out", type=Path, help="results folder (default: results/<suite name>)")
    run.add_argument("--dry-run", action="store_true", help="validate and list runs; run nothing")
    run.add_argument("--data-dir", type=Path, help="local dataset files (for offline use)")
    run.add_argument("--no-progress", action="store_true", help="no progress bars")
    run.add_argument(
        "--backend", help="where runs execute: local (default), inline, ray (overrides the suite)"
    )
    run.add_argument(
        "--address",
        help="Ray cluster to join, e.g. 'auto' or HOST:6379 (implies --backend ray); "
        "without it the ray backend starts a Ray instance on this machine",
    )
    run.add_argument(
        "--presets",
        type=Path,
        help="YAML of tuned method_params (written by `peftbench tune`), applied before --set",
    )

    tune = sub.add_parser(
        "tune",
        help="search each method's learning rate on a held-out part of the train split (Optuna)",
    )
    tune.add_argument(
        "suite", nargs="?", default="default", help="built-in suite name or YAML path"
    )
    tune.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    tune.add_argument("--trials", type=int, default=8, help="trials per method (default 8)")
    tune.add_argument(
        "--holdout",
        type=float,
        default=0.2,
        help="share of the train split held out to score trials (default 0.2); the eval split "
        "is never used",
    )
    tune.add_argument(
        "--span",
        type=float,
        default=10.0,
        help="search each learning rate within [preset / SPAN, preset * SPAN] (log scale)",
    )
    tune.add_argument(
        "--out", type=Path, help="folder for presets.yaml (default results/<suite>/tune)"
    )
    tune.add_argument("--data-dir", type=Path, help="local dataset files (for offline use)")
    tune.add_argument("--no-progress", action="store_true", help="no progress bars")

    prep = sub.add_parser(
        "prepare",
        help="fetch and convert a suite's models and data into the cache (for offline use, "
        "container images and cluster nodes); runs nothing",
    )
    prep.add_argument(
        "suite", nargs="?", default="default", help="built-in suite name or YAML path"
    )
    prep.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    prep.add_argument("--data-dir", type=Path, help="local dataset files (for offline use)")

    ls = sub.add_parser("ls", help="list suites, methods, datasets, models")
    ls.add_argument(
        "what", nargs="?", default="all", choices=["all", "suites", "methods", "datasets", "models"]
    )
    ls.add_argument(
        "--params",
        action="store_true",
        help="also count each method's trainable parameters on the tiny-llama reference model "
        "(builds every method: a few seconds, imports torch)",
    )

    show = sub.add_parser("show", help="print the leaderboard of a results folder, or one run")
    show.add_argument("path", type=Path)

    report = sub.add_parser(
        "report", help="turn a results folder into an HTML report or paper tables"
    )
    report.add_argument("results", type=Path, help="results folder (the --out of `run`)")
    report.add_argument("--format", default="html", choices=["html", "md", "csv", "latex", "json"])
    report.add_argument(
        "--out",
        help="file to write, or - for stdout (default: RESULTS/report.<ext>; CSV: one "
        "report-<table>.csv per table)",
    )
    report.add_argument(
        "--table",
        default="all",
        choices=["all", "main", "efficiency", "stability", "sensitivity", "problems"],
        help="which tables (md, csv, latex; default all)",
    )

    compare = sub.add_parser(
        "compare",
        help="compare a results folder against a baseline one; exit 1 when it falls short",
    )
    compare.add_argument("new", type=Path, help="results folder under test")
    compare.add_argument("baseline", type=Path, help="baseline results folder")
    compare.add_argument("--metric", default="score", choices=["score", "pscp", "pscp_paper"])
    compare.add_argument(
        "--tolerance",
        type=float,
        default=0.0,
        help="allowed drop, in the metric's points, before the new set falls short (default 0)",
    )
    compare.add_argument(
        "--alpha", type=float, default=0.05, help="significance level (default 0.05)"
    )
    compare.add_argument(
        "--require-significance",
        action="store_true",
        help="a drop counts only when Welch's t-test over seeds finds it significant",
    )
    compare.add_argument(
        "--against",
        metavar="METHOD",
        help="baseline method for new methods the baseline lacks (default: its best)",
    )
    compare.add_argument(
        "--gate",
        default="average",
        choices=["average", "each"],
        help="fail on the average over datasets only (default), or on any dataset too",
    )
    compare.add_argument("--format", default="text", choices=["text", "md", "json"])
    return p


def cmd_run(args: argparse.Namespace) -> int:
    from peftbench.config.loader import expand, load_suite
    from peftbench.preflight import preflight
    from peftbench.presets import read_presets

    overrides = list(args.overrides)
    if args.backend or args.address:
        overrides.append(f"backend={args.backend or 'ray'}")
    layers = [read_presets(args.presets)] if args.presets else []
    suite = load_suite(args.suite, overrides, layers)
    if args.address and suite.backend != "ray":
        raise UserError(
            f"--address joins a Ray cluster, but the backend is '{suite.backend}'",
            "use --backend ray with --address, or drop --address",
        )
    preflight(suite, args.data_dir)
    runs = expand(suite)
    out = args.out or Path("results") / suite.name
    if args.dry_run:
        from peftbench.results.store import ResultsStore

        done = ResultsStore(out).is_complete if (out / "runs").is_dir() else (lambda _: False)
        print(f"suite '{suite.name}': {len(runs)} runs -> {out}")
        for r in runs:
            mark = "done   " if done(r.run_id) else "pending"
            print(f"  {mark} {r.run_id}  lr={r.method_params.get('learning_rate', '-')}")
        return 0
    from peftbench.grid import run_suite
    from peftbench.prepare import prepare
    from peftbench.reports.leaderboard import render

    prepare(suite, args.data_dir)
    board = run_suite(
        suite, out, args.data_dir, progress=not args.no_progress, address=args.address
    )
    print()
    print(render(board))
    print(f"\nresults: {out}")
    _write_run_report(out)
    return 1 if board["failed"] else 0


def _write_run_report(out: Path) -> None:
    """The HTML report next to the results; a failure here never loses the finished runs."""
    from peftbench.reports.report import write_html

    try:
        print(f"report: {write_html(out)}")
    except Exception as exc:  # the results are safe on disk; say how to retry
        print(f"warning: could not write the HTML report: {exc}", file=sys.stderr)
        print(f"  hint: peftbench --debug report {out}", file=sys.stderr)


def cmd_ls(args: argparse.Namespace) -> int:
    from peftbench.listing import listing

    print(listing(args.what, params=args.params))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from peftbench.listing import show

    print(show(args.path))
    return 0


def cmd_tune(args: argparse.Namespace) -> int:
    from peftbench.config.loader import load_suite
    from peftbench.preflight import preflight
    from peftbench.prepare import prepare
    from peftbench.tuning import TuneSettings, tune

    suite = load_suite(args.suite, args.overrides)
    preflight(suite, args.data_dir, backend=False)
    settings = TuneSettings(trials=args.trials, holdout=args.holdout, span=args.span)
    out = args.out or Path("results") / suite.name / "tune"
    prepare(suite, args.data_dir)
    presets = tune(suite, settings, out, args.data_dir, progress=not args.no_progress)
    print(f"\nchosen learning rates -> {presets}")
    print(f"use them: peftbench run {args.suite} --presets {presets}")
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    from peftbench.cache import cache_dir
    from peftbench.config.loader import load_suite
    from peftbench.preflight import preflight
    from peftbench.prepare import prepare

    suite = load_suite(args.suite, args.overrides)
    preflight(suite, args.data_dir, backend=False)
    prepare(suite, args.data_dir)
    print(f"suite '{suite.name}': models and data ready in {cache_dir()}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from peftbench.reports.report import write_report

    for path in write_report(args.results, args.format, args.out, args.table):
        print(f"wrote {path}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
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
    )
    if args.format == "json":
        print(json.dumps(result, indent=2, default=str))
    else:
        print(render(result, markdown=args.format == "md"))
    return 0 if result["passed"] else 1


COMMANDS = {
    "run": cmd_run,
    "ls": cmd_ls,
    "show": cmd_show,
    "tune": cmd_tune,
    "prepare": cmd_prepare,
    "report": cmd_report,
    "compare": cmd_compare,
}


def _use_plugins(folders: list[Path]) -> None:
    """Put --plugins folders into the environment, so registries and run processes load them."""
    import os

    from peftbench.registry import PLUGINS_ENV

    if folders:
        given = [os.environ[PLUGINS_ENV]] if os.environ.get(PLUGINS_ENV) else []
        os.environ[PLUGINS_ENV] = os.pathsep.join([*given, *(str(f) for f in folders)])


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _use_plugins(args.plugins)
    try:
        return COMMANDS[args.command](args)
    except UserError as exc:
        if args.debug:
            raise
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "interrupted: completed runs are kept; run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    except BrokenPipeError:  # e.g. `peftbench run --dry-run | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
