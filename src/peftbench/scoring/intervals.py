"""Bootstrap building blocks for task scores: item samples, item draws, percentile intervals.

Why a bootstrap: a task score is a metric over a finite eval set, so it carries sampling noise
(150 accuracy items at 50 % give a 95 % interval of about +-8 points). Some metrics are means of
per-item scores (accuracy, exact match, ROUGE, pass@1); others are computed on the whole set
(F1, MCC, correlations, CodeBLEU). The bootstrap treats both alike: draw the eval items with
replacement, recompute the metric, repeat; the spread of the recomputed scores is the noise.

Definitions (docs/measurements.md repeats them):
- An `ItemSample` is one run's eval set for one metric: `value(idx)` is the metric on the items
  `idx` (repeats allowed). `MeanItems` holds per-item scores (the metric is their mean);
  `CorpusItems` holds the parsed predictions and golds and recomputes the metric.
- `draw_items` draws the items with replacement (one draw shared by every method of a model is
  what makes comparisons paired); a cell's replicates, with the seeds' noise, are
  scoring/seeds.py's, and its displayed interval Wilson / t there (scoring/proportion.py).
- The 95 % interval of replicates is the percentile interval: the 2.5th and 97.5th percentiles,
  linearly interpolated between order statistics (numpy's default, Hyndman and Fan's type 7).
All functions are pure: the same inputs and seed give the same numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from peftbench.metrics.base import ComputeFn, ReplicatesFn

CONFIDENCE = 0.95
REPLICATES = 1000
SEED = 0


@dataclass(frozen=True)
class Interval:
    """A point estimate and its interval."""

    estimate: float
    low: float
    high: float

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2.0

    def contains(self, x: float) -> bool:
        return self.low <= x <= self.high

    def as_dict(self) -> dict[str, float]:
        return {
            "estimate": self.estimate,
            "low": self.low,
            "high": self.high,
            "half_width": self.half_width,
        }


def percentile(values: Sequence[float] | np.ndarray, q: float) -> float:
    """The q-th percentile (0-100): linear interpolation between the order statistics at ranks
    floor(h) and ceil(h), h = (n - 1) * q / 100 (0-based)."""
    ordered = np.sort(np.asarray(values, dtype=float))
    if ordered.size == 0:
        raise ValueError("no values")
    h = (ordered.size - 1) * q / 100.0
    lo = int(np.floor(h))
    hi = min(lo + 1, ordered.size - 1)
    return float(ordered[lo] + (h - lo) * (ordered[hi] - ordered[lo]))


def percentile_interval(
    replicates: Sequence[float] | np.ndarray, estimate: float, confidence: float = CONFIDENCE
) -> Interval:
    tail = 100.0 * (1.0 - confidence) / 2.0
    return Interval(
        float(estimate), percentile(replicates, tail), percentile(replicates, 100.0 - tail)
    )


def stream_seed(*parts: object, seed: int = SEED) -> int:
    """A random-stream seed derived from names (e.g. model and dataset): stable across processes
    and Python versions, unlike hash()."""
    text = "\x1f".join(str(p) for p in (seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def draw_items(n_items: int, replicates: int, seed: int) -> np.ndarray:
    """(replicates, n_items) item indices drawn with replacement."""
    if n_items < 1:
        raise ValueError("nothing to resample")
    return np.random.default_rng(seed).integers(0, n_items, size=(replicates, n_items))


class ItemSample(Protocol):
    """One run's eval items for one metric."""

    @property
    def ids(self) -> tuple[str, ...]: ...

    def value(self, idx: np.ndarray | None = None) -> float:
        """The metric on the items `idx` (all items when None)."""
        ...

    def values(self, draws: np.ndarray) -> np.ndarray:
        """The metric on each row of `draws` (replicates, n)."""
        ...


@dataclass(frozen=True)
class MeanItems:
    """A metric that is the mean of per-item scores (accuracy, exact match, ROUGE, pass@1)."""

    ids: tuple[str, ...]
    scores: tuple[float, ...]

    def value(self, idx: np.ndarray | None = None) -> float:
        arr = np.asarray(self.scores, dtype=float)
        return float(arr.mean() if idx is None else arr[idx].mean())

    def values(self, draws: np.ndarray) -> np.ndarray:
        return np.asarray(self.scores, dtype=float)[draws].mean(axis=1)

    def reorder(self, ids: Sequence[str]) -> MeanItems:
        pos = {i: k for k, i in enumerate(self.ids)}
        return MeanItems(tuple(ids), tuple(self.scores[pos[i]] for i in ids))


@dataclass(frozen=True)
class CountItems(MeanItems):
    """k of n items right, which ones unknown (an imported record: HF peft's results carry the
    accuracy over a known test set, not per-item scores). A bootstrap of it is a binomial one;
    its displayed interval is the Wilson interval of k of n (scoring.comparison), which a
    percentile bootstrap is not at the edges (0 of n: [0, 0]).
    Its ids are unique to the run, so it never pairs with another run; `item_set` names the test
    set the count is over, so runs counted on the same set are compared unpaired
    (scoring.comparison)."""

    item_set: str = ""

    @classmethod
    def of(cls, run: str, correct: int, n: int, item_set: str) -> CountItems:
        ids = tuple(f"{run}#{i}" for i in range(n))
        return cls(ids, tuple(100.0 * (i < correct) for i in range(n)), item_set)

    @property
    def correct(self) -> int:
        return sum(s > 0 for s in self.scores)


@dataclass(frozen=True)
class CorpusItems:
    """A metric computed on the whole set (F1, MCC, correlation, CodeBLEU): recomputed on each
    replicate from the parsed predictions and golds."""

    ids: tuple[str, ...]
    predictions: tuple[object, ...]
    golds: tuple[object, ...]
    compute: ComputeFn
    # the metric on many resamples at once (Metric.replicates), or None: one compute per row
    replicates: ReplicatesFn | None = None

    def value(self, idx: np.ndarray | None = None) -> float:
        if idx is None:
            return float(self.compute(list(self.predictions), list(self.golds)))
        return float(self.compute([self.predictions[i] for i in idx], [self.golds[i] for i in idx]))

    def values(self, draws: np.ndarray) -> np.ndarray:
        if self.replicates is not None:
            return np.asarray(self.replicates(self.predictions, self.golds, draws), dtype=float)
        return np.array([self.value(row) for row in draws], dtype=float)

    def reorder(self, ids: Sequence[str]) -> CorpusItems:
        pos = {i: k for k, i in enumerate(self.ids)}
        return CorpusItems(
            tuple(ids),
            tuple(self.predictions[pos[i]] for i in ids),
            tuple(self.golds[pos[i]] for i in ids),
            self.compute,
            self.replicates,
        )
