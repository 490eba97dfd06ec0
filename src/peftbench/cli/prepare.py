"""`peftbench prepare`: fetch and convert a suite's models and data into the cache."""

from __future__ import annotations

import argparse

from peftbench.cli._common import add_suite_arguments

HELP = (
    "fetch and convert a suite's models and data into the cache (for offline use, container "
    "images and cluster nodes); runs nothing"
)
EXAMPLE = """\
examples:
  peftbench prepare                               # everything the default suite needs
  peftbench prepare paper --data-dir /data        # local dataset files instead of the hub"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_suite_arguments(p, progress=False)


def main(args: argparse.Namespace) -> int:
    from peftbench.cache import cache_dir
    from peftbench.preflight import preflight
    from peftbench.prepare import prepare
    from peftbench.suite import load_suite

    suite = load_suite(args.suite, args.overrides, tasks=args.tasks)
    preflight(suite, args.data_dir, backend=False)
    prepare(suite, args.data_dir)
    print(f"suite '{suite.name}': models and data ready in {cache_dir()}")
    return 0
