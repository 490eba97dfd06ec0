"""A run's eval items as a bootstrap sample: read from its predictions.jsonl.

Evaluation writes one line per eval item: its id, the parsed prediction, the gold and, for every
metric that is a mean over items, that item's score (`scores`). The headline metric's sample is a
`MeanItems` when the per-item scores are there, else a `CorpusItems` that recomputes the metric
(from the registry) on resampled parsed predictions and golds. None when neither is possible:
no predictions file, a metric that is no longer registered, or golds too large to have been
written in full (APPS test suites are stored as a digest; their pass@1 is a mean metric and
always has per-item scores).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peftbench.metrics import METRICS
from peftbench.results.checks import RecordDamage
from peftbench.results.crosscheck import PREDICTIONS, load_predictions
from peftbench.scoring.intervals import CorpusItems, ItemSample, MeanItems

__all__ = ["PREDICTIONS", "item_sample", "read_predictions"]


def read_predictions(run_dir: Path | str) -> list[dict[str, Any]] | None:
    """The rows of predictions.jsonl; None when it is missing or damaged (no items)."""
    try:
        return load_predictions(Path(run_dir))
    except RecordDamage:
        return None


def _digest(gold: object) -> bool:
    return isinstance(gold, dict) and set(gold) == {"sha256", "chars", "head"}


def item_sample(run_dir: Path | str, metric: str) -> ItemSample | None:
    """The run's items for `metric` (see the module docstring)."""
    rows = read_predictions(run_dir)
    if not rows:
        return None
    ids = tuple(str(r["id"]) for r in rows)
    if len(set(ids)) != len(ids):
        return None  # items cannot be paired with another run's by id
    if all(metric in (r.get("scores") or {}) for r in rows):
        scores = [r["scores"][metric] for r in rows]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in scores):
            return None  # a damaged score: no items, like a damaged file
        return MeanItems(ids, tuple(float(v) for v in scores))

    if metric not in METRICS or any(_digest(r.get("gold")) for r in rows):
        return None
    entry = METRICS.get(metric)
    return CorpusItems(
        ids,
        tuple(r.get("parsed") for r in rows),
        tuple(r.get("gold") for r in rows),
        entry.compute,
        entry.replicates,
    )
