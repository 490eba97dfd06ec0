"""A run's eval items as a bootstrap sample: read from its predictions.jsonl.

Evaluation writes one line per eval item: its id, the parsed prediction, the gold and, for every
metric that is a mean over items, that item's score (`scores`). The headline metric's sample is a
`MeanItems` when the per-item scores are there, else a `CorpusItems` that recomputes the metric
(from the registry) on resampled parsed predictions and golds. None when neither is possible:
no predictions file, a metric that is no longer registered, or golds too large to have been
written in full (APPS test suites are stored as a digest; their pass@1 is a mean metric and
always has per-item scores).

An imported record has no predictions, only a count over a named test set: `counted` gives its
sample (`CountItems`: k of n right, which ones unknown).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from peftbench.json_types import JSONObject
from peftbench.metrics import METRICS
from peftbench.results.checks import RecordDamage, is_number
from peftbench.results.crosscheck import PREDICTIONS, load_predictions, scores_of
from peftbench.scoring.intervals import CorpusItems, CountItems, ItemSample, MeanItems

if TYPE_CHECKING:
    from peftbench.results.record import Metrics

__all__ = ["PREDICTIONS", "counted", "item_sample", "read_predictions"]


def read_predictions(run_dir: Path | str) -> list[JSONObject] | None:
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
    if all(metric in scores_of(r) for r in rows):
        scores = [scores_of(r)[metric] for r in rows]
        numbers = tuple(float(v) for v in scores if is_number(v))
        if len(numbers) != len(scores):
            return None  # a damaged score: no items, like a damaged file
        return MeanItems(ids, numbers)

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


def counted(run_id: str, metrics: Metrics) -> CountItems | None:
    """An imported record's items: no predictions, but its metrics say how many of how many
    items of which named test set were right (`correct`, `eval_examples`, `item_set`; written
    by `peftbench import`). None for any other record."""
    k, n = metrics.values.get("correct"), metrics.eval_examples
    item_set = metrics.values.get("item_set")
    if not (isinstance(k, int) and isinstance(n, int) and isinstance(item_set, str)):
        return None
    if isinstance(k, bool) or not 0 <= k <= n or n < 1:
        return None
    return CountItems.of(run_id, k, n, item_set)
