"""Calibration: the slowdown interval over independent latency runs, and the order-statistic
ranks at any number of pairs (issue 22, sections 4 and 6)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from peftbench.efficiency.paired import (
    ONE_RUN,
    median_ci_ranks,
    runs_slowdown,
    runs_slowdown_replicates,
)

TRUE_SLOWDOWN = 0.10  # +10 %


def _runs(rng: np.random.Generator, runs: int, pairs: int, run_sd: float) -> list:
    """`runs` latency runs: each run's log-ratio is shifted by N(0, run_sd) (the run effect: the
    machine's state for that run), pairs add N(0, 0.05) noise; base times around 20 ms."""
    out = []
    for shift in rng.normal(0.0, run_sd, size=runs):
        base = rng.lognormal(math.log(20.0), 0.1, size=pairs)
        ratio = np.exp(math.log1p(TRUE_SLOWDOWN) + shift + rng.normal(0.0, 0.05, size=pairs))
        out.append((list(base), list(base * ratio)))
    return out


@pytest.mark.parametrize("runs", [2, 3, 5])
def test_slowdown_interval_covers_with_run_effect(runs: int) -> None:
    """Coverage >= 0.9 with a 3 % run effect (1,000 simulations of `runs` runs, 60 pairs each)."""
    sims = 1000
    rng = np.random.default_rng(runs)
    hits = 0
    for _ in range(sims):
        s = runs_slowdown(_runs(rng, runs, 60, 0.03))
        assert s.ci_low_pct is not None and s.ci_high_pct is not None and s.runs == runs
        hits += s.ci_low_pct <= 100.0 * TRUE_SLOWDOWN <= s.ci_high_pct
    print(f"latency coverage, {runs} runs, 3 % run effect: {hits / sims:.3f} ({sims} sims)")
    assert hits / sims >= 0.9


def test_one_run_is_labelled() -> None:
    s = runs_slowdown(_runs(np.random.default_rng(0), 1, 40, 0.03))
    assert s.noise == ONE_RUN and s.runs == 1 and s.ci_low_pct is not None


def test_replicates_follow_the_interval() -> None:
    runs = _runs(np.random.default_rng(1), 3, 60, 0.03)
    s = runs_slowdown(runs)
    reps = runs_slowdown_replicates(runs, 2000, 7)
    assert np.array_equal(reps, runs_slowdown_replicates(runs, 2000, 7))  # seeded
    lo, hi = np.percentile(reps, [2.5, 97.5])
    assert s.ci_low_pct is not None and s.ci_high_pct is not None
    assert s.ci_low_pct <= lo + 0.05 and hi - 0.05 <= s.ci_high_pct


@pytest.mark.parametrize("n", [1100, 5000])
def test_median_ranks_at_many_pairs(n: int) -> None:
    """No OverflowError (2.0**n overflowed at 1,024 pairs); the ranks match the normal
    approximation n/2 ± 1.96 sqrt(n)/2 within one."""
    k, upper = median_ci_ranks(n) or (0, 0)
    assert upper == n + 1 - k
    assert abs(k - (n / 2 - 1.96 * math.sqrt(n) / 2)) <= 1.5


def test_replicates_of_two_runs_far_apart_stay_finite() -> None:
    """Two runs a factor ~20 apart (a loaded machine, two pairs each): t_1's tails would
    overflow exp; an infinite L would make the PSCP ratios nan and tie every method."""
    runs = [([1.0, 1.0], [1.0, 1.0]), ([1.0, 1.0], [20.0, 20.0])]
    reps = runs_slowdown_replicates(runs, 1000, 1)
    assert np.isfinite(reps).all() and reps.max() > 1e200 and reps.min() > -100.0 - 1e-9
