"""Whole-set metrics on many bootstrap resamples at once (numpy), for the score intervals.

A resample is a row of item indices (`draws`, shape (B, n)). Label metrics (F1, MCC) depend only
on the confusion counts of a resample, so all B confusion matrices are counted in one pass and the
metric is evaluated on them; Pearson is computed from per-resample sums. Each function returns
the same values as the metric's own `compute` on each resample (tests check it), just faster:
the bootstrap recomputes a whole-set metric 1000 times per run.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where used: the metrics registry loads for `--help`
    import numpy as np
    from numpy.typing import NDArray

    # item indices, one row per resample: (B, n)
    Draws = NDArray[np.intp]
    # per resample, one value: (B,)
    PerDraw = NDArray[np.float64]

_NONE = object()  # the class of an unparseable prediction


def confusion(
    predictions: Sequence[object], golds: Sequence[object], draws: Draws
) -> tuple[NDArray[np.intp], dict[Hashable, int]]:
    """(counts[b, predicted class, gold class], class index); None predictions get a class of
    their own that equals no gold label."""
    import numpy as np

    index: dict[Hashable, int] = {}
    for g in golds:
        index.setdefault(g, len(index))
    for p in predictions:
        index.setdefault(_NONE if p is None else p, len(index))
    k = len(index)
    codes = np.array(
        [
            index[_NONE if p is None else p] * k + index[g]
            for p, g in zip(predictions, golds, strict=True)
        ]
    )
    b = draws.shape[0]
    flat = codes[draws] + (np.arange(b) * k * k)[:, None]
    counts = np.bincount(flat.ravel(), minlength=b * k * k).reshape(b, k, k)
    return counts, index


def _f1(tp: NDArray[np.intp], fp: NDArray[np.intp], fn: NDArray[np.intp]) -> PerDraw:
    import numpy as np

    denom = 2 * tp + fp + fn
    return np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)


def _class_f1(counts: NDArray[np.intp], c: int) -> PerDraw:
    tp = counts[:, c, c]
    return _f1(tp, counts[:, c, :].sum(axis=1) - tp, counts[:, :, c].sum(axis=1) - tp)


def binary_f1(
    predictions: Sequence[object], golds: Sequence[object], positive: Hashable, draws: Draws
) -> PerDraw:
    import numpy as np

    counts, index = confusion(predictions, golds, draws)
    if positive not in index:
        return np.zeros(draws.shape[0])
    return _class_f1(counts, index[positive])


def macro_f1(predictions: Sequence[object], golds: Sequence[object], draws: Draws) -> PerDraw:
    """Mean F1 over the classes present among each resample's golds."""
    import numpy as np

    counts, index = confusion(predictions, golds, draws)
    gold_classes = sorted({index[g] for g in golds})
    per_class = np.stack([_class_f1(counts, c) for c in gold_classes], axis=1)
    present = np.stack([counts[:, :, c].sum(axis=1) > 0 for c in gold_classes], axis=1)
    return (per_class * present).sum(axis=1) / present.sum(axis=1)


def mcc(predictions: Sequence[object], golds: Sequence[object], draws: Draws) -> PerDraw:
    import numpy as np

    counts, _ = confusion(predictions, golds, draws)
    n = counts.sum(axis=(1, 2)).astype(float)
    correct = np.trace(counts, axis1=1, axis2=2).astype(float)
    t = counts.sum(axis=1).astype(float)  # gold class counts
    p = counts.sum(axis=2).astype(float)  # predicted class counts
    cov_tp = correct * n - (t * p).sum(axis=1)
    cov_pp = n * n - (p * p).sum(axis=1)
    cov_tt = n * n - (t * t).sum(axis=1)
    denom = np.sqrt(cov_pp * cov_tt)
    return np.where(denom > 0, cov_tp / np.where(denom > 0, denom, 1.0), 0.0)


def pearson(predictions: Sequence[float | None], golds: Sequence[float], draws: Draws) -> PerDraw:
    """Pearson r per resample, an unparseable prediction imputed with the mean of the valid
    predictions of that resample (as `correlation.pearson`)."""
    import numpy as np

    valid = np.array([p is not None for p in predictions])[draws]
    x = np.array([0.0 if p is None else float(p) for p in predictions])[draws]
    y = np.array([float(g) for g in golds])[draws]
    n_valid = valid.sum(axis=1)
    fill = np.where(n_valid > 0, (x * valid).sum(axis=1) / np.maximum(n_valid, 1), 0.0)
    x = np.where(valid, x, fill[:, None])
    dx = x - x.mean(axis=1, keepdims=True)
    dy = y - y.mean(axis=1, keepdims=True)
    sxy, sxx, syy = (dx * dy).sum(axis=1), (dx * dx).sum(axis=1), (dy * dy).sum(axis=1)
    ok = (sxx > 0) & (syy > 0) & (draws.shape[1] >= 2)
    r = np.where(ok, sxy / np.sqrt(np.where(ok, sxx * syy, 1.0)), 0.0)
    return np.clip(r, -1.0, 1.0)
