"""The vectorised whole-set metrics used by the bootstrap equal the metrics' own `compute` on
every resample (with unparseable predictions, absent classes and constant sides)."""

from __future__ import annotations

import numpy as np
import pytest

from peftbench.metrics import METRICS
from peftbench.metrics.f1 import register_binary_f1
from peftbench.scoring.intervals import CorpusItems, draw_items

LABELS = ["a", "b", "c"]


def labels(rng: np.random.Generator, n: int, invalid: float) -> list:
    out: list = [str(x) for x in rng.choice(LABELS, n)]
    return [None if rng.random() < invalid else x for x in out]


@pytest.mark.parametrize("name", ["f1_macro", "mcc", "pearson", "multirc_f1a", "f1_a"])
def test_vectorised_replicates_equal_compute(name: str) -> None:
    register_binary_f1("a")
    metric = METRICS.get(name)
    assert metric.replicates is not None
    rng = np.random.default_rng(3)
    n = 40
    if name == "pearson":
        golds = [float(x) for x in rng.random(n)]
        preds = [None if rng.random() < 0.2 else float(x) for x in rng.random(n)]
    elif name == "multirc_f1a":
        golds = [(f"q{i // 3}", bool(rng.random() < 0.5)) for i in range(n)]
        preds = [None if rng.random() < 0.2 else bool(rng.random() < 0.5) for _ in range(n)]
    else:
        golds, preds = labels(rng, n, 0.0), labels(rng, n, 0.2)
    draws = draw_items(n, 200, 5)
    draws[0] = 0  # one item only: a constant side
    draws[1] = np.arange(n)
    fast = metric.replicates(preds, golds, draws)
    slow = [metric.compute([preds[i] for i in row], [golds[i] for i in row]) for row in draws]
    assert fast == pytest.approx(slow, abs=1e-9)
    sample = CorpusItems(tuple(map(str, range(n))), tuple(preds), tuple(golds), metric.compute)
    fast_sample = CorpusItems(
        sample.ids, sample.predictions, sample.golds, metric.compute, metric.replicates
    )
    assert fast_sample.values(draws) == pytest.approx(sample.values(draws), abs=1e-9)
