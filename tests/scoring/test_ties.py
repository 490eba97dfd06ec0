"""Paired tests and tie marking against hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from peftbench.scoring.intervals import MeanItems, cell_interval, cell_replicates, draw_items
from peftbench.scoring.ties import bootstrap_p_value, mark_ties, mcnemar, paired_difference


def test_bootstrap_p_value_by_hand() -> None:
    assert bootstrap_p_value(np.array([-1.0, 0.0, 1.0, 2.0])) == 1.0  # 2 * min(0.5, 0.75)
    assert bootstrap_p_value(np.array([-1.0, 1.0, 2.0, 3.0])) == 0.5  # 2 * 0.25
    assert bootstrap_p_value(np.array([1.0, 2.0, 3.0, 4.0])) == 0.0


def test_identical_methods_tie_with_zero_difference() -> None:
    reps = np.array([50.0, 52.0, 48.0])
    d = paired_difference(50.0, reps, 50.0, reps)
    assert (d.estimate, d.low, d.high, d.p_value) == (0.0, 0.0, 0.0, 1.0)
    assert not d.significant


def test_mark_ties_by_hand() -> None:
    # best a; a - b replicates: 1, -1, 1, 3 -> 2.5th percentile -1 + 0.075 * 2 = -0.85 <= 0: tie
    # a - c: 20, 21, 19, 21 -> interval [19.x, 21]: c is worse
    estimates = {"a": 60.0, "b": 58.0, "c": 40.0}
    reps = {
        "a": np.array([60.0, 62.0, 58.0, 61.0]),
        "b": np.array([59.0, 63.0, 57.0, 58.0]),
        "c": np.array([40.0, 41.0, 39.0, 40.0]),
    }
    marks = mark_ties(estimates, reps)
    assert marks["a"].is_best and marks["a"].tied and marks["a"].gap is None
    assert marks["b"].tied and not marks["b"].is_best
    assert marks["b"].gap is not None
    assert marks["b"].gap.estimate == 2.0
    assert marks["b"].gap.low == pytest.approx(-0.85)
    assert not marks["c"].tied
    assert {m.best for m in marks.values()} == {"a"}


def test_equal_estimates_best_is_chosen_by_name() -> None:
    reps = {"y": np.array([1.0]), "x": np.array([1.0])}
    assert mark_ties({"y": 1.0, "x": 1.0}, reps)["x"].is_best


def test_mcnemar_exact_by_hand() -> None:
    # 10 discordant items all favour a: 2 * 0.5**10
    r = mcnemar([True] * 10 + [False] * 5, [False] * 10 + [False] * 5)
    assert (r.only_a, r.only_b) == (10, 0)
    assert r.p_value == pytest.approx(2 / 1024)
    # 5 vs 1: 2 * P(X <= 1), X ~ Bin(6, 1/2) = 2 * 7/64
    a = [True] * 5 + [False] + [True] * 20
    b = [False] * 5 + [True] + [True] * 20
    assert mcnemar(a, b).p_value == pytest.approx(14 / 64)
    assert mcnemar([True, False], [True, False]).p_value == 1.0


def test_paired_test_sees_what_two_separate_intervals_cannot() -> None:
    # 300 items: a right on 150; b is a minus 12 items (138 right); every discordant item favours a
    a_ok = [i < 150 for i in range(300)]
    b_ok = [i < 138 for i in range(300)]
    ids = tuple(str(i) for i in range(300))
    a = MeanItems(ids, tuple(100.0 * x for x in a_ok))
    b = MeanItems(ids, tuple(100.0 * x for x in b_ok))
    separate_a, separate_b = cell_interval([a]), cell_interval([b])
    assert separate_a.low < separate_b.high  # the separate intervals overlap
    items = draw_items(300, 2000, 5)
    gap = paired_difference(
        50.0, cell_replicates([a], items, None), 46.0, cell_replicates([b], items, None)
    )
    assert gap.significant and gap.low > 0
    assert mcnemar(a_ok, b_ok).p_value < 0.001


def test_rank_intervals_by_hand() -> None:
    """a always first; b and c swap in half the replicates: both get ranks 2-3."""
    import numpy as np

    from peftbench.scoring.ties import rank_intervals

    reps = {
        "a": np.array([9.0, 9.0, 9.0, 9.0]),
        "b": np.array([5.0, 4.0, 5.0, 4.0]),
        "c": np.array([4.0, 5.0, 4.0, 5.0]),
    }
    assert rank_intervals(reps) == {"a": (1, 1), "b": (2, 3), "c": (2, 3)}
    # equal values share the better rank
    assert rank_intervals({"x": np.array([1.0, 1.0]), "y": np.array([1.0, 1.0])}) == {
        "x": (1, 1),
        "y": (1, 1),
    }
    assert rank_intervals({}) == {}
