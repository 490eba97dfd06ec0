"""Calibration: the overshoot flag (issue 22, sections 4 and 6). Seeded simulations with known
truth through `training.holdout.curve_summary` and `drop_p_value`: a flat learning curve must be
called overshoot in at most 10 % of runs; a curve that truly falls after its peak is caught."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from peftbench.training.holdout import curve_summary, drop_p_value, halves

DEV = 32
STEPS = 20


def accuracy(predictions: Sequence[int], golds: Sequence[int]) -> float:
    return 100.0 * float(np.mean([p == g for p, g in zip(predictions, golds, strict=True)]))


def _answers(rng: np.random.Generator, shift: np.ndarray) -> np.ndarray:
    """(steps, items) right (1) / wrong (0): item difficulty shared by all checkpoints, the
    checkpoints' own noise per item, and `shift` (steps,) on the logit: the true curve."""
    item = rng.normal(0.0, 1.5, size=DEV)
    noise = rng.normal(0.0, 1.0, size=(STEPS, DEV))
    p = 1.0 / (1.0 + np.exp(-(item[None, :] + noise + shift[:, None])))
    return (rng.random(p.shape) < p).astype(int)


def _flag(y: np.ndarray, split: bool) -> bool:
    golds = [1] * DEV
    select, judge = halves(DEV)
    points = []
    for t, row in enumerate(y):
        point = {"step": float(t + 1), "dev_score": accuracy(list(row), golds)}
        if split:
            point["select_score"] = accuracy([row[i] for i in select], [1] * len(select))
            point["judge_score"] = accuracy([row[i] for i in judge], [1] * len(judge))
        points.append(point)

    def test(best: int, final: int) -> float:
        judged = [1] * len(judge)
        a, b = [y[best][i] for i in judge], [y[final][i] for i in judge]
        return drop_p_value(accuracy, a, b, judged, True, permutations=200)

    return bool(curve_summary(points, True, DEV, test if split else None)["overshoot"])


def _rate(shift: np.ndarray, split: bool, sims: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    return float(np.mean([_flag(_answers(rng, shift), split) for _ in range(sims)]))


def test_flat_curve_is_rarely_called_overshoot() -> None:
    """Flat curve, 32 dev items, 20 checkpoints (400 sims): the split rule's false positives
    are <= 10 %; choosing and judging on the same items (the old rule) calls it far more."""
    sims = 400
    flat = np.zeros(STEPS)
    new = _rate(flat, True, sims, 1)
    old = _rate(flat, False, sims, 1)
    print(f"flat-curve overshoot calls: split {new:.3f}, same items {old:.3f} ({sims} sims)")
    assert new <= 0.10
    assert old > 0.3  # the simulation does show the old rule's problem


def test_a_real_drop_is_caught() -> None:
    """The true curve peaks at 80 % a third of the way and ends at 27 %: flagged in most runs."""
    shift = np.r_[np.linspace(-1.0, 2.0, 7), np.linspace(2.0, -1.5, STEPS - 7)]
    power = _rate(shift, True, 200, 2)
    print(f"overshoot found on a falling curve: {power:.3f}")
    assert power > 0.6


@pytest.mark.slow
def test_flat_curve_false_positives_large() -> None:
    """The same with 3,000 simulations (Monte-Carlo se 0.005)."""
    rate = _rate(np.zeros(STEPS), True, 3000, 3)
    print(f"flat-curve overshoot calls, split: {rate:.3f} (3000 sims)")
    assert rate <= 0.10


def test_drop_p_value_by_hand() -> None:
    """Every judge item right at the best step and wrong at the end: p = 1 / (1 + P) up to the
    permutations that swap nothing; no change at all: p = 1."""
    golds = [1] * 16
    p = drop_p_value(accuracy, [1] * 16, [0] * 16, golds, True, permutations=199)
    assert p == pytest.approx(1 / 200, abs=0.01)
    assert drop_p_value(accuracy, [1] * 16, [1] * 16, golds, True, permutations=50) == 1.0
