"""Metrics: one registry; each metric scores parsed predictions against gold answers.

A prediction of `None` means the model's output could not be parsed: it counts as wrong (and the
evaluation reports the share of such outputs as `invalid_rate`). Values are on a 0-100 scale so
every task score is comparable; `higher_is_better` gives the direction.

Per-item scores: a metric that is the mean of a score per eval item (accuracy, exact match,
ROUGE, pass@1) is built with `mean_metric` from that per-item function, so `item_scores` gives
the items' scores and the metric is their mean by construction. Evaluation records them per item
(predictions.jsonl), and the score intervals resample them. Every other metric (F1, MCC,
correlations, CodeBLEU) is computed on the whole set: its intervals recompute it on resampled
items from the parsed predictions and golds (scoring/intervals.py), through `replicates` when the
metric has that vectorised form (F1, MCC, Pearson: metrics/_resample.py), else by calling
`compute` once per resample.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from peftbench.registry import Registry

if TYPE_CHECKING:  # numpy stays out of `peftbench --help`
    import numpy as np
    from numpy.typing import NDArray

# The registry holds metrics of different prediction and gold types (labels, numbers, strings,
# (question_id, label) pairs, APPS tests), each function declaring its own: the registry's
# signatures take whatever the dataset parsed: the items are untyped there, and only there.
# (predictions, golds) -> the metric on a 0-100 scale.
ComputeFn = Callable[[Sequence[Any], Sequence[Any]], float]
# (predictions, golds) -> one score per item on a 0-100 scale, whose mean is the metric.
ItemsFn = Callable[[Sequence[Any], Sequence[Any]], list[float]]
# (predictions, golds, draws) -> the metric (0-100) on each row of item indices `draws`
# (a (B, n) array): a whole-set metric on B bootstrap resamples at once.
ReplicatesFn = Callable[[Sequence[Any], Sequence[Any], "NDArray[np.intp]"], "NDArray[np.float64]"]


@dataclass(frozen=True)
class Metric:
    name: str
    description: str
    compute: ComputeFn  # (predictions, golds) -> value on a 0-100 scale
    higher_is_better: bool = True
    items: ItemsFn | None = None  # per-item scores when the metric is their mean
    replicates: ReplicatesFn | None = None  # fast resampling of a whole-set metric (optional)
    # the lowest value it takes (the highest is 100): 0, or -100 for a correlation; a record
    # holding a value outside [low, 100] is damaged (results/checks.py)
    low: float = 0.0

    def _check(self, predictions: Sequence[object], golds: Sequence[object]) -> None:
        if len(predictions) != len(golds):
            raise ValueError(
                f"metric {self.name}: {len(predictions)} predictions for {len(golds)} golds"
            )
        if not golds:
            raise ValueError(f"metric {self.name}: nothing to score")

    def __call__(self, predictions: Sequence[object], golds: Sequence[object]) -> float:
        self._check(predictions, golds)
        return float(self.compute(predictions, golds))

    def score(
        self, predictions: Sequence[object], golds: Sequence[object]
    ) -> tuple[float, list[float] | None]:
        """(value, per-item scores or None for a whole-set metric), computing each item once
        (pass@1 runs programs: scoring twice would run them twice)."""
        self._check(predictions, golds)
        if self.items is None:
            return float(self.compute(predictions, golds)), None
        scores = [float(s) for s in self.items(predictions, golds)]
        return sum(scores) / len(scores), scores


def mean_metric(
    name: str, description: str, item_scores: ItemsFn, higher_is_better: bool = True
) -> Metric:
    """A metric that is the mean of per-item scores (0-100 each)."""

    def compute(predictions: Sequence[object], golds: Sequence[object]) -> float:
        scores = item_scores(predictions, golds)
        return sum(scores) / len(scores)

    return Metric(name, description, compute, higher_is_better, item_scores)


def strings(gold: object, what: str) -> list[str]:
    """A gold item that is one string or a list of them (reference answers, summaries,
    programs), as a list; anything else is a ValueError naming `what` it should be."""
    items = [gold] if isinstance(gold, str) else list(gold) if isinstance(gold, Iterable) else None
    texts = [t for t in items or () if isinstance(t, str)]
    if items is None or len(texts) != len(items):
        raise ValueError(f"{what} is a string or a list of strings, got {gold!r}")
    return texts


METRICS: Registry[Metric] = Registry("metric", "peftbench.metrics")


def register(metric: Metric) -> Metric:
    return METRICS.register(metric)
