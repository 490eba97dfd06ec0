"""Correlation metrics: Matthews correlation (CoLA), Pearson and Spearman (STS-B), all x100.

Unparseable predictions (`None`):
- MCC: an extra class "invalid" that matches no gold label, so the item is off the diagonal of the
  confusion matrix, exactly like any other wrong label (multiclass MCC, as scikit-learn).
- Pearson / Spearman: replaced by the mean of the valid predictions (for Spearman: the mean rank
  of the valid predictions). Such an item adds nothing to the covariance, since its deviation is
  zero, but its gold value still counts in the gold variance: each invalid item pulls the
  correlation towards 0, like an uninformative constant guess, so |r| is never above that of the
  valid items alone (dropping invalid items would reward unparseable output; imputing the gold
  mean would leak the answer). It may still beat a wildly wrong number, as any constant guess can.
Undefined correlations (a constant side, or fewer than two items) are 0, not NaN.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from peftbench.metrics import _resample
from peftbench.metrics.base import Metric, register

_INVALID = object()  # the class of an unparseable prediction: equal to no gold label


def mcc(predictions: Sequence[object], golds: Sequence[object]) -> float:
    """Multiclass Matthews correlation (Gorodkin's R_K) in [-1, 1]."""
    preds = [_INVALID if p is None else p for p in predictions]
    n = len(golds)
    correct = sum(p == g for p, g in zip(preds, golds, strict=True))
    true_counts = Counter(golds)
    pred_counts = Counter(preds)
    cov_tp = correct * n - sum(true_counts[c] * pred_counts[c] for c in true_counts)
    cov_pp = n * n - sum(v * v for v in pred_counts.values())
    cov_tt = n * n - sum(v * v for v in true_counts.values())
    if cov_pp == 0 or cov_tt == 0:
        return 0.0
    return cov_tp / math.sqrt(cov_pp * cov_tt)


def _pearson(x: Sequence[float], y: Sequence[float]) -> float:
    n = len(x)
    if n < 2:
        return 0.0
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx == 0 or syy == 0:
        return 0.0
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def _impute(values: Sequence[float | None]) -> list[float]:
    valid = [v for v in values if v is not None]
    fill = sum(valid) / len(valid) if valid else 0.0
    return [fill if v is None else float(v) for v in values]


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties sharing their average rank (scipy's `rankdata`, method 'average')."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def pearson(predictions: Sequence[float | None], golds: Sequence[float]) -> float:
    return _pearson(_impute(predictions), [float(g) for g in golds])


def spearman(predictions: Sequence[float | None], golds: Sequence[float]) -> float:
    valid_idx = [i for i, p in enumerate(predictions) if p is not None]
    valid_ranks = ranks([float(predictions[i]) for i in valid_idx])  # type: ignore[arg-type]
    pred_ranks: list[float | None] = [None] * len(predictions)
    for i, r in zip(valid_idx, valid_ranks, strict=True):
        pred_ranks[i] = r
    return _pearson(_impute(pred_ranks), ranks([float(g) for g in golds]))


register(
    Metric(
        "mcc",
        "Matthews correlation coefficient (x100)",
        lambda p, g: 100 * mcc(p, g),
        replicates=lambda p, g, draws: 100.0 * _resample.mcc(p, g, draws),
        low=-100.0,
    )
)
register(
    Metric(
        "pearson",
        "Pearson correlation (x100)",
        lambda p, g: 100 * pearson(p, g),
        replicates=lambda p, g, draws: 100.0 * _resample.pearson(p, g, draws),
        low=-100.0,
    )
)
register(
    Metric(
        "spearman",
        "Spearman rank correlation (x100)",
        lambda p, g: 100 * spearman(p, g),
        low=-100.0,
    )
)
