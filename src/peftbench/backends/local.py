"""Each cell in its own process, forked from a fork server that has imported torch once.

Why a process per run: a crash, an out-of-memory kill or a leak ends only that run, and its peak
memory figure is its own. Why a fork server: children inherit the imported libraries, so a run
starts in milliseconds instead of re-importing torch/transformers (~5 s), and the server never
runs a torch op, so no OpenMP pool exists at fork time (forking a process that has used one
deadlocks the child; measured here). Where fork servers are unavailable, 'spawn' is used.
No orphans: the fork server and each worker die with the main process (backends/lifeline.py).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Sequence
from typing import TYPE_CHECKING

from peftbench.backends.inline import _line
from peftbench.backends.lifeline import die_with_parent, mark_main_process
from peftbench.backends.progress import grid_bar
from peftbench.cell import run_cell
from peftbench.results.record import RunConfig, Status

if TYPE_CHECKING:
    from multiprocessing.context import ForkServerContext, SpawnContext

    from peftbench.backends.options import BackendOptions
    from peftbench.config.schema import RunSpec
    from peftbench.datasets.base import LoadContext
    from peftbench.results.store import ResultsStore
    from peftbench.trackers.base import Tracking


def _child(
    spec: RunSpec,
    store: ResultsStore,
    ctx: LoadContext,
    progress: bool,
    tracking: Tracking | None = None,
) -> None:
    die_with_parent()  # the fork server (or, with 'spawn', the main process)

    run_cell(spec, store, ctx, progress, tracking)


PRELOAD = [
    "peftbench.backends._forkserver_lifeline",
    "torch",
    "transformers",
    "peft",
    "peftbench.pipeline",
    "peftbench.training.trainer",
]


def _context() -> SpawnContext | ForkServerContext:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    mark_main_process()
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    mp = multiprocessing.get_context("forkserver")
    mp.set_forkserver_preload(PRELOAD)
    return mp


def run_local(
    runs: Sequence[RunSpec],
    store: ResultsStore,
    ctx: LoadContext,
    progress: bool,
    options: BackendOptions | None = None,
) -> None:
    """One run at a time on this machine, so `options.resources` are not consulted."""
    mp = _context()
    with grid_bar(len(runs), progress) as bar:
        for spec in runs:
            bar.set_postfix_str(f"{spec.method} on {spec.dataset}")
            args = (spec, store, ctx, progress, options.tracking if options else None)
            proc = mp.Process(target=_child, args=args)
            try:
                proc.start()  # inside: a Ctrl-C while it starts must stop the half-started one
                proc.join()
            except KeyboardInterrupt:
                if proc.pid is not None:
                    proc.terminate()
                    proc.join()
                raise
            status = store.status(spec.run_id)
            if proc.exitcode != 0 and (status is None or not status.ok):
                status = _record_death(spec, store, proc.exitcode)
            elif status is None:  # exited cleanly without a record: cannot happen, say so
                status = Status.failed(spec.run_id, "the worker wrote no record")
            bar.write(_line(spec, status))
            bar.update(1)


def _record_death(spec: RunSpec, store: ResultsStore, exitcode: int | None) -> Status:
    """The worker died without writing its record (killed, out of memory): record the failure."""
    if exitcode is not None and exitcode < 0:
        why = f"worker killed by signal {signal.Signals(-exitcode).name}"
        if -exitcode == signal.SIGKILL:
            why += " (often the out-of-memory killer)"
    else:
        why = f"worker exited with code {exitcode}"
    writer = store.writer(spec.run_id)
    writer.record(RunConfig.of(spec))
    status = Status.failed(spec.run_id, why)
    writer.commit(status)
    return status
