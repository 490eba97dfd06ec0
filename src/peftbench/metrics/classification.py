"""Accuracy and exact match: the share of predictions equal to the gold answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from peftbench.metrics.base import Metric, register


def _accuracy(predictions: Sequence[Any], golds: Sequence[Any]) -> float:
    hits = sum(p is not None and p == g for p, g in zip(predictions, golds, strict=True))
    return 100.0 * hits / len(golds)


register(Metric("accuracy", "share of predictions equal to the gold label (x100)", _accuracy))
register(
    Metric(
        "exact_match",
        "share of normalised answers exactly equal to the gold answer (x100)",
        _accuracy,
    )
)
