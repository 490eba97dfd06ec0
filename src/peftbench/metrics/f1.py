"""F1 scores over label strings (GLUE MRPC/QQP binary F1, SuperGLUE CB macro-F1).

A `None` prediction (unparseable) is a wrong prediction: a class that matches no gold label. It
lowers the recall of its gold class and adds nothing to any class's precision, and it is never
a class of its own in the macro average.
"""

from __future__ import annotations

import contextlib
from collections.abc import Hashable, Sequence

from peftbench.metrics import _resample
from peftbench.metrics.base import Metric, register


def _f1(tp: int, fp: int, fn: int) -> float:
    """F1 = 2tp / (2tp + fp + fn); 0 when undefined (no positive gold nor prediction), as
    scikit-learn's `zero_division=0`."""
    denom = 2 * tp + fp + fn
    return 2 * tp / denom if denom else 0.0


def binary_f1(predictions: Sequence[object], golds: Sequence[object], positive: Hashable) -> float:
    """F1 of the class `positive` in [0, 1]."""
    tp = fp = fn = 0
    for p, g in zip(predictions, golds, strict=True):
        hit_p = p is not None and p == positive
        hit_g = g == positive
        tp += hit_p and hit_g
        fp += hit_p and not hit_g
        fn += hit_g and not hit_p
    return _f1(tp, fp, fn)


def make_binary_f1(positive: str, name: str | None = None) -> Metric:
    """An (unregistered) binary-F1 metric for the label `positive`: a dataset must say which of its
    labels is the positive class, so the registry cannot hold one label-agnostic binary F1."""
    return Metric(
        name or f"f1_{positive}",
        f"F1 of the positive class '{positive}' (x100)",
        lambda preds, golds: 100.0 * binary_f1(preds, golds, positive),
        replicates=lambda p, g, draws: 100.0 * _resample.binary_f1(p, g, positive, draws),
    )


def register_binary_f1(positive: str) -> str:
    """Register (once) the binary F1 for `positive` as `f1_<positive>`; returns the name, which a
    dataset module can put in its spec (several datasets may share a positive label)."""
    name = f"f1_{positive}"
    with contextlib.suppress(ValueError):  # already registered by another dataset
        register(make_binary_f1(positive, name))
    return name


def macro_f1(predictions: Sequence[object], golds: Sequence[object]) -> float:
    """Unweighted mean of per-class F1 over the classes present in the golds, in [0, 1].

    The classes are those of the gold labels only (scikit-learn's `labels=sorted(set(golds))`):
    a made-up or unparseable prediction is an error, never a class that would dilute the mean.
    """
    classes = sorted(set(golds), key=repr)
    return sum(binary_f1(predictions, golds, c) for c in classes) / len(classes)


register(
    Metric(
        "f1_macro",
        "macro-averaged F1 over the gold classes (x100; unparseable counts as wrong)",
        lambda preds, golds: 100.0 * macro_f1(preds, golds),
        replicates=lambda p, g, draws: 100.0 * _resample.macro_f1(p, g, draws),
    )
)


# The positive classes of the built-in datasets scored by binary F1 (QQP, MRPC), registered here
# with the other metrics, not as a side effect of importing a dataset module.
for _positive in ("duplicate", "equivalent"):
    register_binary_f1(_positive)
