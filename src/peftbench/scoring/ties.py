"""Paired tests on the same eval items (the best and the ranks: scoring/best_set.py).

Two methods of one model are scored on the same eval items, so their scores share the items'
difficulty; a paired test removes that shared part and sees smaller real differences than two
separate intervals would. The paired bootstrap (`paired_difference`) takes the two methods'
replicates computed on the same item draws (see `seeds.cell_replicates`): the difference of
the estimates, the percentile interval of the replicate differences, and a two-sided bootstrap
p-value, 2 * min(share of differences <= 0, share >= 0), capped at 1.

Which methods may be best, and their ranks, are decided jointly for all methods by
scoring/best_set.py (a step-down max-t over all pairs): picking the best estimate and testing the
others against it one by one (the earlier tie marks) inflated the best and over-called gaps.

McNemar's exact test (`mcnemar`) is the classic paired test for two classifiers on one set of
items with right/wrong outcomes: only discordant items count, and under the null each is
equally likely to favour either method (binomial with p = 1/2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from peftbench.scoring.intervals import CONFIDENCE, percentile_interval

PAIRED_BOOTSTRAP = "paired bootstrap"
MCNEMAR = "McNemar exact"


@dataclass(frozen=True)
class Difference:
    """a - b on the same items: estimate, interval and p-value of a paired test."""

    estimate: float
    low: float
    high: float
    p_value: float
    test: str = PAIRED_BOOTSTRAP

    @property
    def significant(self) -> bool:
        """The interval excludes 0."""
        return not self.low <= 0.0 <= self.high

    def as_dict(self) -> dict[str, float | str | bool]:
        return {
            "estimate": self.estimate,
            "low": self.low,
            "high": self.high,
            "p_value": self.p_value,
            "test": self.test,
            "significant": self.significant,
        }


def bootstrap_p_value(differences: np.ndarray) -> float:
    """Two-sided: 2 * min(P(d <= 0), P(d >= 0)) over the replicates, at most 1."""
    d = np.asarray(differences, dtype=float)
    return min(1.0, 2.0 * min(float(np.mean(d <= 0.0)), float(np.mean(d >= 0.0))))


def paired_difference(
    a_estimate: float,
    a_replicates: np.ndarray,
    b_estimate: float,
    b_replicates: np.ndarray,
    confidence: float = CONFIDENCE,
) -> Difference:
    """a - b from replicates drawn on the same items (and seeds resampled per method)."""
    d = np.asarray(a_replicates, dtype=float) - np.asarray(b_replicates, dtype=float)
    iv = percentile_interval(d, a_estimate - b_estimate, confidence)
    return Difference(iv.estimate, iv.low, iv.high, bootstrap_p_value(d))


@dataclass(frozen=True)
class McNemar:
    only_a: int  # items a gets right and b wrong
    only_b: int
    p_value: float

    def significant(self, alpha: float = 1.0 - CONFIDENCE) -> bool:
        return self.p_value < alpha


def mcnemar(a_correct: Sequence[bool], b_correct: Sequence[bool]) -> McNemar:
    """Exact two-sided McNemar test: p = min(1, 2 * P(X <= min(b, c))), X ~ Bin(b + c, 1/2)."""
    if len(a_correct) != len(b_correct):
        raise ValueError("McNemar needs the two methods' outcomes on the same items")
    only_a = sum(bool(a) and not bool(b) for a, b in zip(a_correct, b_correct, strict=True))
    only_b = sum(bool(b) and not bool(a) for a, b in zip(a_correct, b_correct, strict=True))
    n = only_a + only_b
    if n == 0:
        return McNemar(0, 0, 1.0)
    k = min(only_a, only_b)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return McNemar(only_a, only_b, min(1.0, 2.0 * tail))
