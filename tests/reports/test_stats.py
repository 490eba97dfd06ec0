"""Seed statistics against tabulated and hand-computed values (no pipeline needed)."""

from __future__ import annotations

import math

import pytest
from needs import need_module

from peftbench.reports.figures import pareto_front
from peftbench.reports.stats import summarize, t_cdf, t_quantile, welch

# Two-sided 95% critical values of Student's t, from any printed t table.
T_TABLE_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 10: 2.228, 30: 2.042}


@pytest.mark.parametrize(("df", "expected"), sorted(T_TABLE_975.items()))
def test_t_quantile_matches_the_table(df: int, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-3)


def test_t_quantile_one_sided_and_symmetric() -> None:
    assert t_quantile(0.95, 5) == pytest.approx(2.015, abs=1e-3)
    assert t_quantile(0.025, 4) == pytest.approx(-2.776, abs=1e-3)
    assert t_quantile(0.5, 7) == 0.0


def test_t_cdf_closed_forms() -> None:
    for t in (-3.0, -0.4, 0.0, 0.7, 2.5, 10.0):
        # df=1 is the Cauchy distribution; df=2 has a closed form too.
        assert t_cdf(t, 1) == pytest.approx(0.5 + math.atan(t) / math.pi, abs=1e-12)
        assert t_cdf(t, 2) == pytest.approx(0.5 + t / (2 * math.sqrt(2 + t * t)), abs=1e-12)


def test_summarize_by_hand() -> None:
    s = summarize([10.0, 12.0, 14.0, 20.0])
    std = math.sqrt((16 + 4 + 0 + 36) / 3)  # deviations from the mean 14, n-1 = 3
    half = 3.182446305284263 * std / math.sqrt(4)  # t(0.975, 3)
    assert (s.n, s.mean) == (4, 14.0)
    assert s.std == pytest.approx(std)
    assert s.ci_low == pytest.approx(14.0 - half, abs=1e-6)
    assert s.ci_high == pytest.approx(14.0 + half, abs=1e-6)


def test_one_seed_has_no_spread() -> None:
    s = summarize([42.0])
    assert (s.mean, s.std, s.ci_low, s.ci_high) == (42.0, None, None, None)
    with pytest.raises(ValueError):
        summarize([])


def test_welch_by_hand() -> None:
    a, b = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 9.0]
    va, vb = (5 / 3) / 4, (107 / 12) / 4  # sample variances / n
    t = (2.5 - 5.25) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / 3 + vb**2 / 3)
    w = welch(a, b)
    assert w.diff == pytest.approx(-2.75)
    assert w.t == pytest.approx(t)
    assert w.df == pytest.approx(df)
    assert w.p_value == pytest.approx(2 * t_cdf(-abs(t), df))
    assert 0.1 < w.p_value < 0.25 and not w.significant()


def test_welch_against_scipy_when_available() -> None:
    stats = need_module("scipy.stats", "pip install scipy")
    a, b = [61.0, 64.5, 59.0, 66.0, 62.0], [55.0, 58.5, 57.0]
    ref = stats.ttest_ind(a, b, equal_var=False)
    w = welch(a, b)
    assert w.t == pytest.approx(ref.statistic, rel=1e-9)
    assert w.p_value == pytest.approx(ref.pvalue, rel=1e-6)
    assert t_quantile(0.975, 2.7) == pytest.approx(stats.t.ppf(0.975, 2.7), rel=1e-8)


def test_welch_edge_cases() -> None:
    assert welch([1.0], [2.0, 3.0]).p_value is None  # one seed: untestable
    exact = welch([5.0, 5.0], [3.0, 3.0])  # no spread at all: the difference is exact
    assert exact.p_value == 0.0 and exact.significant()
    assert welch([4.0, 4.0], [4.0, 4.0]).p_value == 1.0
    clear = welch([20.0, 24.0], [40.0, 44.0])
    assert clear.df == pytest.approx(2.0) and clear.significant()


def test_pareto_front() -> None:
    # (cost, score): c is dominated by b (cheaper and better); e ties d's cost with less score.
    pts = [(0, 0.0), (10, 50.0), (20, 40.0), (30, 60.0), (30, 55.0)]
    front = pareto_front(pts, lambda p: p[0], lambda p: p[1])
    assert front == [0, 1, 3]
