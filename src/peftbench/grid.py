"""Run a suite: expand the grid, skip completed cells, execute the rest (each claimed first, so
invocations sharing a results folder split the work: results/claims.py), write the leaderboard."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from peftbench.backends import BACKENDS, BackendOptions
from peftbench.cache import cache_dir
from peftbench.config.loader import expand
from peftbench.config.schema import Suite
from peftbench.datasets import LoadContext
from peftbench.reports import leaderboard
from peftbench.results.claims import ClaimedRuns
from peftbench.results.store import ResultsStore, read_json, write_json, write_text


def run_suite(
    suite: Suite,
    out: Path,
    data_dir: Path | None = None,
    progress: bool = True,
    address: str | None = None,
) -> dict[str, Any]:
    """`address`: the Ray cluster to join when the suite's backend is `ray`."""
    runs = expand(suite)
    store = ResultsStore(out)
    store.sweep()  # temporary folders left by a killed earlier invocation
    write_json(store.root / "suite.json", dataclasses.asdict(suite))
    pending = [r for r in runs if not store.is_complete(r.run_id)]
    skipped = len(runs) - len(pending)
    if skipped:
        print(f"{skipped} of {len(runs)} runs already complete in {store.runs_dir}: skipped")
    if pending:
        ctx = LoadContext(cache_dir=cache_dir(), data_dir=data_dir)
        options = BackendOptions(resources=suite.resources, address=address)
        claimed = ClaimedRuns(pending, store)  # each run claimed just before it starts
        BACKENDS[suite.backend](claimed, store, ctx, progress, options)
    return write_leaderboard(store, suite, [r.run_id for r in runs])


def write_leaderboard(store: ResultsStore, suite: Suite, run_ids: list[str]) -> dict[str, Any]:
    wanted = set(run_ids)
    records = [store.load(r) for r in store.run_ids() if r in wanted]
    board = leaderboard.build(records, suite.scoring, run_ids)
    write_json(store.root / "leaderboard.json", board)
    write_text(store.root / "leaderboard.md", leaderboard.render(board) + "\n")
    return board


def board_for(results_dir: Path) -> dict[str, Any]:
    """Leaderboard of a results folder, rebuilt from its records and its saved suite."""
    from peftbench.config.schema import ScoringSettings
    from peftbench.config.schema import Suite as SuiteCls
    from peftbench.config.validate import build

    store = ResultsStore(results_dir)
    suite_file = store.root / "suite.json"
    suite = build(SuiteCls, read_json(suite_file)) if suite_file.exists() else None
    scoring = suite.scoring if suite else ScoringSettings()
    records = store.records()
    return leaderboard.build(records, scoring)
