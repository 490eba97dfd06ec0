"""Calibration: retention across runs by the joint bootstrap over shared items (issue 22,
sections 4 and 6). Seeded simulations with known truth through board/stability.py's
`joint_replicates`: 3 runs of a method answer the same general items, against the same base
answers; coverage of the true retention change must be >= 0.93. The old combination
(sqrt(sum h^2) / k, runs taken as independent) is computed alongside to show what it missed."""

from __future__ import annotations

import numpy as np
import pytest

from peftbench.board.stability import joint_replicates
from peftbench.scoring.intervals import percentile

ITEMS = 100  # stability.max_examples' default
TASKS = ("g1", "g2")
SHIFT = -0.4  # the adapted model's logit shift: it forgets


def _expit_mean(mu: float, sd: float) -> float:
    """E[expit(X)], X ~ N(mu, sd^2), by Gauss-Hermite quadrature."""
    x, w = np.polynomial.hermite_e.hermegauss(80)
    return float(np.sum(w / (1.0 + np.exp(-(mu + sd * x)))) / np.sqrt(2.0 * np.pi))


TRUTH = 100.0 * (_expit_mean(0.3 + SHIFT, 1.2) - _expit_mean(0.3, 1.2))


def _runs(rng: np.random.Generator, runs: int) -> list[dict[str, tuple[list[float], list[float]]]]:
    """Per task: item logits ~ N(0.3, 1.2), one base answer per item (shared by every run: the
    base model's cached answers), each run's adapted answer drawn on its own."""
    out: list[dict[str, tuple[list[float], list[float]]]] = [{} for _ in range(runs)]
    for task in TASKS:
        theta = rng.normal(0.3, 1.2, size=ITEMS)
        base = 100.0 * (rng.random(ITEMS) < 1.0 / (1.0 + np.exp(-theta)))
        for run in out:
            adapted = 100.0 * (rng.random(ITEMS) < 1.0 / (1.0 + np.exp(-(theta + SHIFT))))
            run[task] = (list(base), list(adapted))
    return out


def _old_interval(run: dict[str, tuple[list[float], list[float]]], b: int, seed: int) -> float:
    """One run's own paired-bootstrap half-width (what a record's ci95 holds)."""
    reps = joint_replicates([run], b, seed)
    assert reps is not None
    return (percentile(reps, 97.5) - percentile(reps, 2.5)) / 2.0


def _coverage(runs: int, sims: int, b: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    new, old = 0, 0
    for i in range(sims):
        sim = _runs(rng, runs)
        reps = joint_replicates(sim, b, seed=i)
        assert reps is not None
        est = float(np.mean([np.mean(np.subtract(a, s)) for r in sim for s, a in r.values()]))
        new += percentile(reps, 2.5) <= TRUTH <= percentile(reps, 97.5)
        half = float(np.sqrt(sum(_old_interval(r, b, i + 10_000) ** 2 for r in sim))) / runs
        old += est - half <= TRUTH <= est + half
    return new / sims, old / sims


def test_retention_interval_covers_with_three_runs() -> None:
    """Coverage >= 0.93 with 3 runs on 2 tasks x 100 shared items (400 sims, 400 replicates)."""
    sims = 400
    new, old = _coverage(3, sims, 400, 1)
    print(f"retention coverage, 3 runs: joint {new:.3f}, sqrt(sum h^2)/k {old:.3f} ({sims} sims)")
    assert new >= 0.93
    assert old < new  # the independent combination is too narrow


@pytest.mark.slow
def test_retention_interval_covers_large() -> None:
    """The same with 2,000 simulations (Monte-Carlo se 0.005)."""
    new, old = _coverage(3, 2000, 500, 2)
    print(f"retention coverage, 3 runs: joint {new:.3f}, sqrt(sum h^2)/k {old:.3f} (2000 sims)")
    assert new >= 0.93


def test_runs_disagreeing_on_the_items_get_no_joint_draw() -> None:
    run = {"g1": ([0.0, 100.0], [100.0, 100.0])}
    other = {"g1": ([0.0, 100.0, 0.0], [0.0, 0.0, 0.0])}
    assert joint_replicates([run, other], 10, 0) is None
