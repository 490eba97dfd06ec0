"""The `peftbench` command: one module per subcommand, listed in `SUBCOMMANDS`.

Each subcommand module has `HELP` (one line for `peftbench --help`), `EXAMPLE` (shown at the end
of its own --help), `add_arguments(parser)` and `main(args) -> exit code`. Modules import nothing
heavy at import time (no torch), so `peftbench --help` stays fast. To add a subcommand, write its
module and add it to `SUBCOMMANDS`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import ModuleType

from peftbench import __version__
from peftbench.cli import (
    compare,
    export,
    import_results,
    ls,
    merge,
    pack,
    prepare,
    report,
    run,
    show,
    tune,
)
from peftbench.errors import UserError

SUBCOMMANDS: dict[str, ModuleType] = {
    "run": run,
    "tune": tune,
    "prepare": prepare,
    "ls": ls,
    "show": show,
    "report": report,
    "compare": compare,
    "import": import_results,
    "export": export,
    "pack": pack,
    "merge": merge,
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="peftbench",
        description="Benchmark parameter-efficient fine-tuning methods: model x method x "
        "dataset x seed, scored on task metrics, cost, and PSCP.",
        epilog="run `peftbench COMMAND --help` for a command's options and examples",
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
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in SUBCOMMANDS.items():
        command = sub.add_parser(
            name,
            help=module.HELP,
            description=module.HELP,
            epilog=module.EXAMPLE,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(command)
    return p


def _use_plugins(folders: list[Path]) -> None:
    """Put --plugins folders into the environment, so registries and run processes load them."""
    import os

    from peftbench.registry import PLUGINS_ENV

    if folders:
        given = [os.environ[PLUGINS_ENV]] if os.environ.get(PLUGINS_ENV) else []
        os.environ[PLUGINS_ENV] = os.pathsep.join([*given, *(str(f) for f in folders)])


def _tolerant_streams() -> None:
    """A character the terminal's encoding lacks (a path with 'é' under PYTHONIOENCODING=ascii)
    is written escaped, never a UnicodeEncodeError traceback."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    _tolerant_streams()
    args = build_parser().parse_args(argv)
    try:
        _use_plugins(args.plugins)
        code: int = SUBCOMMANDS[args.command].main(args)
        return code
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
