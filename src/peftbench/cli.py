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

    ls = sub.add_parser("ls", help="list suites, methods, datasets, models")
    ls.add_argument(
        "what", nargs="?", default="all", choices=["all", "suites", "methods", "datasets", "models"]
    )

    show = sub.add_parser("show", help="print the leaderboard of a results folder, or one run")
    show.add_argument("path", type=Path)
    return p


def cmd_run(args: argparse.Namespace) -> int:
    from peftbench.config.loader import expand, load_suite

    suite = load_suite(args.suite, args.overrides)
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
    board = run_suite(suite, out, args.data_dir, progress=not args.no_progress)
    print()
    print(render(board))
    print(f"\nresults: {out}")
    return 1 if board["failed"] else 0


def cmd_ls(args: argparse.Namespace) -> int:
    from peftbench.listing import listing

    print(listing(args.what))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from peftbench.listing import show

    print(show(args.path))
    return 0


COMMANDS = {"run": cmd_run, "ls": cmd_ls, "show": cmd_show}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
