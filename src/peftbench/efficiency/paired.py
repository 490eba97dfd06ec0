"""Paired slowdown statistics and the grid's latency figure (torch-free; docs/measurements.md).

A slowdown compares two models timed *interleaved* on the same input: pair i holds one timed
generation of the base model and one of the other form, taken back to back in a random order, so
a change in machine load hits both members of a pair alike. The statistic is the median of the
per-pair ratios other/base (robust to a load spike that hits one member), with a distribution-free
95 % confidence interval from order statistics: for n ratios sorted, the interval is
[r_(k), r_(n+1-k)] with the largest k such that P(Binomial(n, 1/2) < k) <= 2.5 %. It needs at
least 6 pairs (below that no pair of order statistics reaches 95 %).

The latency a leaderboard shows for a method is not the moment its run happened to see: it is
the model's reference base latency (the median of the base figures over the whole grid) times
(1 + the method's paired slowdown), so two methods differ in L by what they cost, not by when
they ran.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

LEVEL = 0.95
MIN_PAIRS_FOR_CI = 6


def median_ci_ranks(n: int, level: float = LEVEL) -> tuple[int, int] | None:
    """1-based ranks (k, n+1-k) of the order-statistic interval for the median, None if n < 6."""
    alpha = (1.0 - level) / 2.0
    k, below = 0, 0.0  # below = P(Binomial(n, 1/2) <= k - 1)
    while True:
        nxt = below + math.comb(n, k) / 2.0**n  # P(B <= k)
        if nxt > alpha:
            break
        below, k = nxt, k + 1
    return (k, n + 1 - k) if k >= 1 else None


@dataclass(frozen=True)
class PairedSlowdown:
    """Median per-pair slowdown in %, its 95 % interval in %, half-width in points, pairs."""

    pct: float
    ci_low_pct: float | None
    ci_high_pct: float | None
    pairs: int

    @property
    def halfwidth_pp(self) -> float | None:
        if self.ci_low_pct is None or self.ci_high_pct is None:
            return None
        return (self.ci_high_pct - self.ci_low_pct) / 2.0

    def within(self, max_halfwidth_pp: float) -> bool:
        width = self.halfwidth_pp
        return width is not None and width <= max_halfwidth_pp


def paired_slowdown(base: Sequence[float], other: Sequence[float]) -> PairedSlowdown:
    """Median of the ratios other[i] / base[i] as a slowdown in %, with its 95 % interval."""
    if len(base) != len(other) or not base:
        raise ValueError(f"need equal, non-empty pair lists (got {len(base)} and {len(other)})")
    ratios = sorted(o / b for b, o in zip(base, other, strict=True))
    ranks = median_ci_ranks(len(ratios))
    lo = hi = None
    if ranks is not None:
        lo, hi = 100.0 * (ratios[ranks[0] - 1] - 1), 100.0 * (ratios[ranks[1] - 1] - 1)
    return PairedSlowdown(100.0 * (statistics.median(ratios) - 1), lo, hi, len(ratios))


def unpaired_slowdown(base: Sequence[float], other: Sequence[float]) -> float:
    """Ratio of the two medians as a slowdown in % (what a block-by-block protocol reports)."""
    return 100.0 * (statistics.median(other) / statistics.median(base) - 1)


def reference_latency(base_figures: Iterable[float]) -> float | None:
    """One reference base latency for a model: the median of all its base measurements."""
    values = [float(v) for v in base_figures if v is not None and v > 0]
    return statistics.median(values) if values else None


def grid_latency(reference_ms: float | None, slowdown_pct: float | None) -> float | None:
    """A method's latency on the grid's scale: reference base latency x (1 + paired slowdown)."""
    if reference_ms is None or slowdown_pct is None:
        return None
    return reference_ms * (1.0 + slowdown_pct / 100.0)


def describe(eff: dict, prefix: str = "", figure: str = "slowdown") -> str:
    """'+1.2% [-0.4, +2.8] 95% CI, 14 pairs' from a record's keys (old records: the point only)."""
    key = f"{prefix}{figure}"
    pct = eff.get(f"{key}_pct")
    if pct is None:
        return "n/a"
    lo, hi = eff.get(f"{key}_ci_low_pct"), eff.get(f"{key}_ci_high_pct")
    text = f"{pct:+.1f}%"
    if lo is not None and hi is not None:
        text += f" [{lo:+.1f}, {hi:+.1f}] 95% CI"
    if eff.get("latency_pairs") is not None:
        text += f", {eff['latency_pairs']} pairs"
    if eff.get(f"{key}_wide"):
        text += ", WIDE: interval above the allowed half-width"
    return text


def bootstrap_slowdowns(
    base: Sequence[float], other: Sequence[float], replicates: int, seed: int
) -> np.ndarray:
    """Bootstrap replicates of the paired slowdown in %: the pairs drawn with replacement, the
    median of their ratios each time. They carry the latency's noise into a statistic built on
    it (the PSCP ties: scoring.pscp). Pure: the same pairs and seed give the same replicates."""
    if len(base) != len(other) or not base:
        raise ValueError(f"need equal, non-empty pair lists (got {len(base)} and {len(other)})")
    ratios = np.asarray(other, dtype=float) / np.asarray(base, dtype=float)
    draws = np.random.default_rng(seed).integers(0, len(ratios), size=(replicates, len(ratios)))
    return 100.0 * (np.median(ratios[draws], axis=1) - 1.0)
