"""Paired tests on the same eval items, and which methods tie with the best.

Two methods of one model are scored on the same eval items, so their scores share the items'
difficulty; a paired test removes that shared part and sees smaller real differences than two
separate intervals would. The paired bootstrap (`paired_difference`) takes the two methods'
replicates computed on the same item draws (see `intervals.cell_replicates`): the difference of
the estimates, the percentile interval of the replicate differences, and a two-sided bootstrap
p-value, 2 * min(share of differences <= 0, share >= 0), capped at 1.

Tie marking (`mark_ties`): the best method is the one with the highest estimate (ties of the
estimate broken by name); a method ties with the best when the 95 % interval of best - method
contains 0. The best method is marked too, so "best or tied" is the set a reader cannot tell
apart on this data.

PSCP ties: the same marking on PSCP replicates, which are each method's score replicates times
its cost factor (PSCP with S = 1: the cost terms P, L, M, F held at their measured values). So a
PSCP gap counts only when it survives the score noise; a gap that comes from costs is real.

McNemar's exact test (`mcnemar`) is the classic paired test for two classifiers on one set of
items with right/wrong outcomes: only discordant items count, and under the null each is
equally likely to favour either method (binomial with p = 1/2).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from peftbench.scoring.intervals import CONFIDENCE, percentile_interval

PAIRED_BOOTSTRAP = "paired bootstrap"
# independent draws per method (counts of imported runs, whose items are unknown)
UNPAIRED_BOOTSTRAP = "unpaired bootstrap"
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
class TieMark:
    """A method's standing against the best of its comparison."""

    best: str
    is_best: bool
    tied: bool  # best, or not significantly different from it
    gap: Difference | None  # best - this method (None for the best itself)

    def as_dict(self) -> dict[str, object]:
        return {
            "best": self.best,
            "is_best": self.is_best,
            "tied": self.tied,
            "gap": self.gap.as_dict() if self.gap else None,
        }


def best_of(estimates: Mapping[str, float]) -> str:
    """Highest estimate; equal estimates broken by name, so the choice is deterministic."""
    return min(estimates, key=lambda m: (-estimates[m], m))


def mark_ties(
    estimates: Mapping[str, float],
    replicates: Mapping[str, np.ndarray],
    confidence: float = CONFIDENCE,
    test: str = PAIRED_BOOTSTRAP,
) -> dict[str, TieMark]:
    """For each method: is it the best, or tied with it (bootstrap of best - method)? `test`
    names how the replicates were drawn: on the same items (paired) or independently."""
    if not estimates:
        return {}
    best = best_of(estimates)
    out = {}
    for m in estimates:
        if m == best:
            out[m] = TieMark(best, True, True, None)
            continue
        gap = paired_difference(
            estimates[best], replicates[best], estimates[m], replicates[m], confidence
        )
        gap = replace(gap, test=test)
        out[m] = TieMark(best, False, not gap.significant, gap)
    return out


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


def rank_intervals(
    replicates: Mapping[str, np.ndarray], confidence: float = CONFIDENCE
) -> dict[str, tuple[int, int]]:
    """Each method's 95 % rank interval (1 = best) over the bootstrap replicates.

    In replicate b a method's rank is 1 + the number of methods with a strictly higher value
    there; its interval runs from the lower to the upper percentile of its ranks, rounded out to
    whole ranks. Why: a table must be printed in one order, but two methods whose values swap
    from one replicate to another have overlapping rank intervals, and that overlap (not their
    order) is what a second run can be expected to reproduce."""
    if not replicates:
        return {}
    names = list(replicates)
    values = np.stack([np.asarray(replicates[m], dtype=float) for m in names])  # (k, B)
    ranks = 1 + (values[None, :, :] > values[:, None, :]).sum(axis=1)  # [i, b]: above i in b
    tail = (1.0 - confidence) / 2.0
    low = np.quantile(ranks, tail, axis=1, method="lower")
    high = np.quantile(ranks, 1.0 - tail, axis=1, method="higher")
    return {m: (int(lo), int(hi)) for m, lo, hi in zip(names, low, high, strict=True)}
