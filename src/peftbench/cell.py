"""`run_cell`: one cell of the grid from start to committed record -- its data, its
learning-rate search when the suite selects one (selection.py), the cell itself
(`pipeline.execute`), the record written and committed, then logged to the trackers.

Its own module, above both `pipeline` and `selection` (a search trains through
`pipeline.execute`), so neither imports the other's caller: every backend runs cells here.
"""

from __future__ import annotations

import time
import traceback

from peftbench.config.schema import RunSpec
from peftbench.datasets import LoadContext
from peftbench.pipeline import Clock, execute, load_data, write_record
from peftbench.quiet import quiet_libraries
from peftbench.results.record import RunConfig, Status
from peftbench.results.store import ResultsStore
from peftbench.selection import select
from peftbench.trackers.base import Tracking
from peftbench.trackers.report import report_run


def run_cell(
    spec: RunSpec,
    store: ResultsStore,
    ctx: LoadContext,
    progress: bool = True,
    tracking: Tracking | None = None,
) -> Status:
    """Run one cell and commit its record (ok or failed). Returns its status.
    `tracking`: the experiment trackers to log the committed record to (after the commit, read
    back from disk, so a tracker can neither change nor lose it; trackers/report.py)."""
    quiet_libraries()
    writer = store.writer(spec.run_id)
    writer.record(RunConfig.of(spec))
    clock = Clock()
    started = time.time()
    try:
        data = load_data(spec, ctx)
        clock.lap("data")
        rate = None
        if spec.selection is not None:  # the learning-rate search first (selection.py)
            chosen = select(spec, store.root, ctx, progress)
            writer.record(chosen)
            rate = chosen.learning_rate
            clock.lap("selection")
        run = execute(
            spec,
            data,
            progress=progress,
            measure_into=writer.path("adapter"),
            clock=clock,
            base_answers=store.root / "base",
            latency_cache=store.root / "latency",
            learning_rate=rate,
        )
        status = write_record(run, data, writer)
    except Exception as exc:  # recorded, and the grid goes on
        status = Status.failed(spec.run_id, f"{type(exc).__name__}: {exc}", traceback.format_exc())
    status = status.finished(started, time.time() - started, clock.phases)
    writer.commit(status)
    report_run(store, spec.run_id, tracking)  # never raises: a failure is a warning and a note
    return status
