"""Paired tests against hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from peftbench.scoring.intervals import MeanItems, draw_items
from peftbench.scoring.seeds import cell_interval, cell_replicates
from peftbench.scoring.ties import bootstrap_p_value, mcnemar, paired_difference


def test_bootstrap_p_value_by_hand() -> None:
    assert bootstrap_p_value(np.array([-1.0, 0.0, 1.0, 2.0])) == 1.0  # 2 * min(0.5, 0.75)
    assert bootstrap_p_value(np.array([-1.0, 1.0, 2.0, 3.0])) == 0.5  # 2 * 0.25
    assert bootstrap_p_value(np.array([1.0, 2.0, 3.0, 4.0])) == 0.0


def test_identical_methods_tie_with_zero_difference() -> None:
    reps = np.array([50.0, 52.0, 48.0])
    d = paired_difference(50.0, reps, 50.0, reps)
    assert (d.estimate, d.low, d.high, d.p_value) == (0.0, 0.0, 0.0, 1.0)
    assert not d.significant


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
        50.0, cell_replicates([a], items, 1), 46.0, cell_replicates([b], items, 2)
    )
    assert gap.significant and gap.low > 0
    assert mcnemar(a_ok, b_ok).p_value < 0.001
