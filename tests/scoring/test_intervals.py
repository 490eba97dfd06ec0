"""Bootstrap intervals against hand-computed cases (explicit draws) and known closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from peftbench.metrics import METRICS
from peftbench.scoring.intervals import (
    CorpusItems,
    MeanItems,
    draw_items,
    percentile,
    percentile_interval,
    stream_seed,
)
from peftbench.scoring.seeds import cell_interval, cell_replicates


def ids(n: int) -> tuple[str, ...]:
    return tuple(str(i) for i in range(n))


def test_percentile_interpolates_between_order_statistics() -> None:
    # h = (n - 1) * q / 100: q=25 -> h=1 -> 2; q=10 -> h=0.4 -> 1 + 0.4 * (2 - 1)
    assert percentile([5, 1, 4, 2, 3], 25) == 2.0
    assert percentile([5, 1, 4, 2, 3], 10) == pytest.approx(1.4)
    assert percentile([7.0], 97.5) == 7.0
    iv = percentile_interval(np.arange(101.0), 50.0)
    assert (iv.low, iv.high) == pytest.approx((2.5, 97.5))
    assert iv.half_width == pytest.approx(47.5)


def test_mean_items_replicates_by_hand() -> None:
    sample = MeanItems(ids(4), (0.0, 100.0, 100.0, 0.0))
    draws = np.array([[0, 0, 0, 0], [1, 2, 1, 2], [0, 1, 2, 3], [0, 0, 1, 1]])
    assert sample.values(draws).tolist() == [0.0, 100.0, 50.0, 50.0]
    assert sample.value() == 50.0


def test_corpus_items_recompute_the_metric_on_each_draw() -> None:
    # MCC: all four items -> preds a,a,b,b vs golds a,b,b,b; the draw [0,0,2,2] is perfect (100)
    mcc = METRICS.get("mcc")
    sample = CorpusItems(ids(4), ("a", "a", "b", "b"), ("a", "b", "b", "b"), mcc.compute)
    # by hand: tp(a)=1, n=4, correct=3; cov_tp = 3*4 - (1*2 + 3*2) = 4; cov_pp = 16 - 8 = 8;
    # cov_tt = 16 - (1 + 9) = 6 -> 4 / sqrt(48) = 0.5774 -> x100
    assert sample.value() == pytest.approx(100 * 4 / 48**0.5)
    draws = np.array([[0, 0, 2, 2], [1, 1, 1, 1]])
    assert sample.values(draws).tolist() == pytest.approx([100.0, 0.0])  # constant side: 0


def test_constant_scores_never_have_a_zero_width_interval() -> None:
    """30 of 30 right: every bootstrap resample is 100 too, but Wilson is [88.6, 100]."""
    iv = cell_interval([MeanItems(ids(30), (100.0,) * 30)])
    assert (iv.estimate, iv.high) == (100.0, 100.0) and 88.0 < iv.low < 89.0


def test_half_width_matches_the_normal_approximation() -> None:
    # 400 items at 50 %: 1.96 * sqrt(0.25 / 400) * 100 = 4.9 points
    sample = MeanItems(ids(400), (0.0, 100.0) * 200)
    iv = cell_interval([sample], replicates=4000)
    assert iv.estimate == 50.0
    assert (iv.high - iv.low) / 2 == pytest.approx(4.9, abs=0.4)
    assert iv.low < 50.0 < iv.high


def test_same_seed_same_interval_other_seed_other_draws() -> None:
    sample = MeanItems(ids(50), tuple(float(100 * (i % 3 == 0)) for i in range(50)))
    assert cell_interval([sample], seed=3) == cell_interval([sample], seed=3)
    assert not np.array_equal(draw_items(50, 10, 1), draw_items(50, 10, 2))
    assert stream_seed("m", "d") == stream_seed("m", "d") != stream_seed("m", "e")


def test_seed_variance_widens_the_interval() -> None:
    # two seeds of one method at 40 % and 60 % on the same 400 items: the seed spread must show
    a = MeanItems(ids(400), tuple(100.0 * (i % 5 < 2) for i in range(400)))
    b = MeanItems(ids(400), tuple(100.0 * (i % 5 < 3) for i in range(400)))
    items = draw_items(400, 2000, 7)
    only_items = percentile_interval(np.mean([a.values(items), b.values(items)], axis=0), 50.0)
    with_seeds = percentile_interval(cell_replicates([a, b], items, 8), 50.0)
    assert with_seeds.half_width > only_items.half_width + 3.0
    assert with_seeds.low < 45.0 and with_seeds.high > 55.0


def test_reorder_aligns_items_by_id() -> None:
    sample = MeanItems(("x", "y", "z"), (1.0, 2.0, 3.0))
    assert sample.reorder(["z", "x", "y"]).scores == (3.0, 1.0, 2.0)
