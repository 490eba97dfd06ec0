"""A row's learning-rate search (`board.model.LearningRate`) from its runs' selection parts."""

from __future__ import annotations

from collections.abc import Sequence

from peftbench.board.model import LearningRate
from peftbench.results.record import RunRecord


def learning_rate_of(runs: Sequence[RunRecord]) -> LearningRate | None:
    """None when no run of the row was searched. A search shared by several runs (the seeds of
    one dataset) counts once in `searches` and `seconds`."""
    found = [(r.dataset, r.selection) for r in runs if r.selection is not None]
    if not found:
        return None
    searches = {s.search: s for _, s in found}
    return LearningRate(
        chosen={d: s.learning_rate for d, s in sorted(found, key=lambda f: f[0])},
        preset=found[0][1].preset_learning_rate,
        trials=max(len(s.trials) for s in searches.values()),
        searches=len(searches),
        seconds=sum(s.seconds for s in searches.values()),
    )
