"""Calibration: confidence set for the best, simultaneous rank intervals, vs the reference
(issue 22, sections 3 and 6). Seeded simulations with known truth, paired on shared eval items."""

from __future__ import annotations

import numpy as np
import pytest
from calibration_util import mc_allowance

from peftbench.scoring.best_set import rank, versus_reference, weight_calls

N_ITEMS = 363
NAMES = tuple(f"m{j}" for j in range(6))


def _replicates(
    rng: np.random.Generator, truth: np.ndarray, shared: float, n: int, b: int
) -> tuple[np.ndarray, np.ndarray]:
    """One simulated eval set: with probability `shared` an item's answer is common to every
    method (Bernoulli(0.5): the items' shared difficulty), else each method answers it on its
    own, with the probability that makes its expected score `truth[j]` (0-1). Returns the
    point estimates (K,) and item-bootstrap replicates (b, K) on one shared draw, in points."""
    own = (truth - shared * 0.5) / (1.0 - shared)
    common = rng.random(n) < shared
    y = np.where(common[:, None], (rng.random(n) < 0.5)[:, None], rng.random((n, truth.size)) < own)
    y = 100.0 * y
    return y.mean(axis=0), _bootstrap(rng, y, b)


def _bootstrap(rng: np.random.Generator, y: np.ndarray, b: int) -> np.ndarray:
    """(b, K) item-bootstrap means of y (n, K): counts of each item per replicate times y."""
    n = y.shape[0]
    flat = (rng.integers(0, n, size=(b, n)) + n * np.arange(b)[:, None]).ravel()
    counts = np.bincount(flat, minlength=b * n).reshape(b, n)
    return counts @ y / n


def _equal_methods_exclusion(sims: int, b: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    truth = np.full(6, 0.5)
    left_out = 0
    for _ in range(sims):
        est, reps = _replicates(rng, truth, 0.4, N_ITEMS, b)
        left_out += len(rank(NAMES, est, reps).best_set) < 6
    return left_out / sims


def test_best_set_keeps_six_equal_methods() -> None:
    """At most 5 % (+ 2 Monte-Carlo se) of simulations leave an equal method out (400 sims)."""
    sims = 400
    rate = _equal_methods_exclusion(sims, 400, 1)
    print(f"6 equal methods, some method left out of the best set: {rate:.3f} ({sims} sims)")
    assert rate <= 0.05 + mc_allowance(0.05, sims)


def _rank_coverage(gap: float, n: int, sims: int, b: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    truth = 0.5 + gap / 100.0 * np.arange(6)[::-1]  # m0 best: true ranks 1..6
    true_rank = np.arange(1, 7)
    covered, decided = 0, 0
    for _ in range(sims):
        est, reps = _replicates(rng, truth, 0.4, n, b)
        r = rank(NAMES, est, reps)
        covered += all(
            r.ranks[m][0] <= t <= r.ranks[m][1] for m, t in zip(NAMES, true_rank, strict=True)
        )
        decided += sum(r.ranks[m][0] == r.ranks[m][1] for m in NAMES)
    return covered / sims, decided / (6 * sims)


def test_rank_intervals_cover_all_true_ranks_jointly() -> None:
    """All six true ranks covered jointly >= 0.95 at 0.5-point gaps (400 sims, n = 363)."""
    sims = 400
    coverage, _ = _rank_coverage(0.5, N_ITEMS, sims, 400, 2)
    print(f"simultaneous rank coverage, 0.5-point gaps: {coverage:.3f} ({sims} sims)")
    assert coverage >= 0.95


@pytest.mark.slow
def test_rank_intervals_cover_when_ranks_are_resolvable() -> None:
    """At 3-point gaps on 3,000 items the ranks are mostly told apart, and the joint coverage
    still holds (>= 0.95 - 2 Monte-Carlo se; 500 sims)."""
    sims = 500
    coverage, decided = _rank_coverage(3.0, 3000, sims, 500, 3)
    print(f"rank coverage at 3-point gaps, n=3000: {coverage:.3f}, decided {decided:.2f}")
    assert coverage >= 0.95 - mc_allowance(0.05, sims)
    assert decided > 0.2  # the procedure is not trivially [1, 6]


def test_nothing_beats_an_equal_reference() -> None:
    """With 5 methods equal to the reference, a winner is declared in <= 5 % (+ MC) of 400 sims;
    with one method 8 points above it, that method is found in most."""
    sims = 400
    rng = np.random.default_rng(4)
    false_winner, found = 0, 0
    for _ in range(sims):
        est, reps = _replicates(rng, np.full(6, 0.3), 0.4, N_ITEMS, 400)
        check = versus_reference(NAMES[1:], est[1:], reps[:, 1:], "frozen", est[0], reps[:, 0])
        false_winner += check.any_beats
        est, reps = _replicates(rng, np.r_[0.3, 0.38, np.full(4, 0.3)], 0.4, N_ITEMS, 400)
        check = versus_reference(NAMES[1:], est[1:], reps[:, 1:], "frozen", est[0], reps[:, 0])
        found += check.beats == ("m1",)
    print(f"winner over an equal reference: {false_winner / sims:.3f}; found: {found / sims:.3f}")
    assert false_winner / sims <= 0.05 + mc_allowance(0.05, sims)
    assert found / sims > 0.6
    assert check.note is None or "beyond the noise" in check.note


def test_socialiqa_like_task_has_no_winner() -> None:
    """The issue's case: LoRA and IA3 30.5 vs frozen 28.2 on 400 items, both intervals
    containing 0: no method beats the reference, and the note says so."""
    rng = np.random.default_rng(5)
    n = 400
    frozen = rng.random(n) < 0.282
    flip = rng.random((n, 2)) < 0.35
    methods = np.where(flip, rng.random((n, 2)) < 0.305, frozen[:, None])
    y = 100.0 * np.c_[frozen, methods]
    reps, est = _bootstrap(rng, y, 1000), y.mean(axis=0)
    check = versus_reference(("ia3", "lora"), est[1:], reps[:, 1:], "frozen", est[0], reps[:, 0])
    assert not check.any_beats
    assert check.note == "no PEFT method beats frozen beyond the noise"


def test_weight_calls_inside_noise() -> None:
    """A top call flipped by weights between two methods inside the score noise is inside the
    noise; a call made by a large cost gap is not."""
    rng = np.random.default_rng(6)
    est, reps = _replicates(rng, np.array([0.50, 0.505, 0.30]), 0.4, N_ITEMS, 500)
    calls = weight_calls(
        ("a", "b", "c"),
        est,
        reps,
        {"default": np.ones(3), "favour_a": np.array([1.0, 0.9, 1.0])},
    )
    assert {c.label for c in calls} == {"default", "favour_a"}
    assert calls[0].top != calls[1].top  # the weights flip the top method ...
    assert all(c.inside_noise and set(c.best_set) == {"a", "b"} for c in calls)  # ... in noise
    far = weight_calls(("a", "b", "c"), est, reps, {"cost": np.array([1.0, 0.2, 0.2])})[0]
    assert far.top == "a" and not far.inside_noise
