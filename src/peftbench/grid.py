"""Run a suite: expand the grid, skip completed cells, execute the rest (each claimed first, so
invocations sharing a results folder split the work: results/claims.py), write the leaderboard."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

from peftbench.backends import BACKENDS, BackendOptions
from peftbench.cache import cache_dir
from peftbench.config.schema import RunSpec, Suite
from peftbench.datasets import LoadContext
from peftbench.results.claims import ClaimedRuns, Claims
from peftbench.results.folder import record_invocation
from peftbench.results.store import ResultsStore
from peftbench.suite import expand
from peftbench.trackers.base import Tracking


def run_suite(
    suite: Suite,
    out: Path,
    data_dir: Path | None = None,
    progress: bool = True,
    address: str | None = None,
    runs: list[RunSpec] | None = None,
) -> list[str]:
    """Run the suite's pending cells into `out`; returns this invocation's run_ids.
    `address`: the Ray cluster to join when the suite's backend is `ray`; `runs`: the suite's
    expansion when the caller already has it (`run` expands once)."""
    runs = expand(suite) if runs is None else runs
    store = ResultsStore(out)
    store.sweep()  # temporary folders left by a killed earlier invocation
    Claims(store).sweep()  # and the claims it held
    record_invocation(store, dataclasses.asdict(suite), [r.run_id for r in runs])
    pending = [r for r in runs if not store.is_complete(r.run_id)]
    set_aside_damaged(store, [r.run_id for r in pending])
    skipped = len(runs) - len(pending)
    if skipped:
        print(f"{skipped} of {len(runs)} runs already complete in {store.runs_dir}: skipped")
    if pending:
        ctx = LoadContext(cache_dir=cache_dir(), data_dir=data_dir)
        options = BackendOptions(suite.resources, address, tracking_of(suite))
        claimed = ClaimedRuns(pending, store)  # each run claimed just before it starts
        BACKENDS[suite.backend](claimed, store, ctx, progress, options)
    return [r.run_id for r in runs]


def tracking_of(suite: Suite) -> Tracking | None:
    """The suite's experiment trackers, grouped by its name, this invocation tagged by when it
    started (None: the suite reports to none)."""
    if not suite.report_to:
        return None
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return Tracking(suite.report_to, suite.name, started)


def set_aside_damaged(store: ResultsStore, pending: list[str]) -> None:
    """Move the damaged records of pending cells out of the way (never deleting them), so the
    cells run again. Anything in a run's place counts: a link or a file there is damage too."""
    for run_id in pending:
        if not os.path.lexists(store.run_dir(run_id)):
            continue
        record = store.read(run_id)
        if record.state == "damaged":
            moved = store.set_aside(run_id)
            print(f"damaged record {run_id} ({record.damage}): moved to {moved}; running it again")
