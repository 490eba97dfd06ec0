"""Fetch and convert what a suite needs (models, data) into the cache before the grid starts.

Done in a child process: the GGUF conversion runs torch ops, and the parent of forked run
workers must not have started torch's thread pools. It also keeps one-off conversion memory out
of the first run's peak-memory figure.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from peftbench.cache import cache_dir
from peftbench.config.schema import Suite
from peftbench.datasets import DATASETS, LoadContext
from peftbench.datasets.declared import register_all
from peftbench.errors import UserError
from peftbench.models.hub import resolve
from peftbench.preflight import load_split


def _prepare(suite: Suite, data_dir: Path | None) -> None:
    ctx = LoadContext(cache_dir=cache_dir(), data_dir=data_dir)
    register_all(suite.dataset_defs)  # this is a fresh (spawned) process
    for name in suite.models:
        spec = resolve(name)
        if spec.prepare is not None:
            print(f"preparing model {name} ...", flush=True)
            spec.prepare()
    for name in suite.datasets:
        dataset = DATASETS.get(name)
        for split in dataset.splits:
            load_split(dataset, split, ctx)  # a missing file or an empty split: exit 2 now


def _child(suite: Suite, data_dir: Path | None, queue: multiprocessing.Queue) -> None:
    try:
        _prepare(suite, data_dir)
        queue.put(None)
    except UserError as exc:
        queue.put((exc.message, exc.hint))
    except Exception as exc:
        queue.put((f"preparing the suite failed: {type(exc).__name__}: {exc}", None))


def prepare(suite: Suite, data_dir: Path | None = None) -> None:
    mp = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = mp.Queue()
    proc = mp.Process(target=_child, args=(suite, data_dir, queue))
    try:
        proc.start()
        proc.join()
    except KeyboardInterrupt:  # Ctrl-C: stop the child too, before its queue's lock is gone (it
        if proc.pid is not None:  # printed a FileNotFoundError traceback, or prepared on alone)
            proc.terminate()
            proc.join()
        raise
    problem = queue.get() if not queue.empty() else ("preparation process died", None)
    if problem is not None:
        raise UserError(*problem)
