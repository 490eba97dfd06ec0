"""Calibration: score intervals at the edges, and with seeds (issue 22, sections 2, 4 and 6).

Seeded simulations with known truth through peftbench's own functions; each asserts the issue's
figure, with two Monte-Carlo standard errors of slack where the figure is a nominal rate.
"""

from __future__ import annotations

import numpy as np
import pytest
from calibration_util import logit_normal_mean

from peftbench.scoring.intervals import MeanItems
from peftbench.scoring.proportion import format_interval, item_interval, wilson
from peftbench.scoring.seeds import ITEM_NOISE_ONLY, cell_interval

N_ITEMS = 363


@pytest.mark.parametrize("p", [0.003, 0.01, 0.05, 0.5])
def test_score_interval_covers_at_n363(p: float) -> None:
    """Coverage >= 0.93 at n = 363 for right/wrong items (2,000 simulated eval sets each)."""
    sims = 2000
    rng = np.random.default_rng(22)
    counts = rng.binomial(N_ITEMS, p, size=sims)
    cache = {int(k): wilson(int(k), N_ITEMS) for k in np.unique(counts)}
    hits = [cache[int(k)].contains(100.0 * p) for k in counts]
    coverage = float(np.mean(hits))
    print(f"score interval coverage p={p}: {coverage:.3f} ({sims} sims)")
    assert coverage >= 0.93


def test_interval_never_has_zero_width_and_prints_asymmetric() -> None:
    zero = item_interval(np.zeros(N_ITEMS))
    assert zero.low == 0.0 and 1.0 < zero.high < 1.1  # 0 of 363: [0, 1.05]
    assert format_interval(zero) == "0.0 [0.0, 1.0]"
    full = item_interval(np.full(N_ITEMS, 100.0))
    assert full.high == 100.0 and full.low < 99.0
    graded = item_interval(np.full(50, 40.0))  # constant graded scores: no zero width
    assert graded.high - graded.low > 1.0
    assert format_interval(item_interval(np.r_[np.zeros(50), np.full(50, 100.0)])).count("±")


def _seed_cells(rng: np.random.Generator, seeds: int, seed_sd: float, sims: int) -> list:
    """`sims` cells of `seeds` seeds on 363 shared items: item logit ~ N(0.4, 1), seed shift ~
    N(0, seed_sd) on the logit, answers Bernoulli."""
    cells = []
    for _ in range(sims):
        item = rng.normal(0.4, 1.0, size=N_ITEMS)
        shift = rng.normal(0.0, seed_sd, size=seeds)
        p = 1.0 / (1.0 + np.exp(-(item[None, :] + shift[:, None])))
        y = 100.0 * (rng.random(p.shape) < p)
        ids = tuple(str(i) for i in range(N_ITEMS))
        cells.append([MeanItems(ids, tuple(row)) for row in y])
    return cells


def _seed_coverage(seeds: int, seed_sd: float, sims: int, stream: int) -> float:
    truth = 100.0 * logit_normal_mean(0.4, float(np.hypot(1.0, seed_sd)))
    hits = []
    for i, cell in enumerate(_seed_cells(np.random.default_rng(stream), seeds, seed_sd, sims)):
        iv = cell_interval(cell, replicates=250, seed=i)
        assert iv.seeds == seeds and iv.noise != ITEM_NOISE_ONLY
        hits.append(iv.low <= truth <= iv.high)
    coverage = float(np.mean(hits))
    print(f"seed interval coverage k={seeds} sd={seed_sd}: {coverage:.3f} ({sims} sims)")
    return coverage


@pytest.mark.parametrize("seeds", [3, 5])
@pytest.mark.parametrize("seed_sd", [0.3, 0.6])
def test_seed_interval_covers(seeds: int, seed_sd: float) -> None:
    """Coverage >= 0.93 with 3 and 5 seeds at seed sd 0.3 and 0.6 logit (600 sims, 250
    replicates each): the truth is the population score over items and seeds."""
    assert _seed_coverage(seeds, seed_sd, 600, seeds * 10 + int(seed_sd * 10)) >= 0.93


@pytest.mark.slow
@pytest.mark.parametrize("seeds", [3, 5])
@pytest.mark.parametrize("seed_sd", [0.3, 0.6])
def test_seed_interval_covers_large(seeds: int, seed_sd: float) -> None:
    """The same with 3,000 simulations (Monte-Carlo se 0.004)."""
    assert _seed_coverage(seeds, seed_sd, 3000, 1000 + seeds * 10 + int(seed_sd * 10)) >= 0.93


def test_one_seed_is_labelled_item_noise_only() -> None:
    ids = tuple(str(i) for i in range(20))
    iv = cell_interval([MeanItems(ids, tuple([100.0] * 5 + [0.0] * 15))])
    assert iv.noise == ITEM_NOISE_ONLY and iv.seeds == 1
    assert iv.low < 25.0 < iv.high
