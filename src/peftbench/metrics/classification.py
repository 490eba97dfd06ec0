"""Accuracy and exact match: the share of predictions equal to the gold answer."""

from __future__ import annotations

from collections.abc import Sequence

from peftbench.metrics.base import mean_metric, register


def _hits(predictions: Sequence[object], golds: Sequence[object]) -> list[float]:
    """100 for an item whose prediction equals its gold, else 0."""
    return [
        100.0 if p is not None and p == g else 0.0 for p, g in zip(predictions, golds, strict=True)
    ]


register(mean_metric("accuracy", "share of predictions equal to the gold label (x100)", _hits))
register(
    mean_metric(
        "exact_match",
        "share of normalised answers exactly equal to the gold answer (x100)",
        _hits,
    )
)
