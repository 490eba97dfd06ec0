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
from fractions import Fraction

import numpy as np

LEVEL = 0.95
MIN_PAIRS_FOR_CI = 6


def median_ci_ranks(n: int, level: float = LEVEL) -> tuple[int, int] | None:
    """1-based ranks (k, n+1-k) of the order-statistic interval for the median, None if n < 6.

    Exact integer arithmetic: P(Binomial(n, 1/2) <= k) > alpha  <=>  sum_{i<=k} C(n, i) >
    alpha * 2^n, with alpha as an exact fraction, so any n works (2.0**n overflows a float at
    n = 1,024)."""
    alpha = Fraction((1.0 - level) / 2.0)
    limit = alpha.numerator * 2**n  # compare cumulative * alpha.denominator against it
    k, term, cumulative = 0, 1, 1  # term = C(n, k); cumulative = sum_{i<=k} C(n, i)
    while cumulative * alpha.denominator <= limit and k < n:
        k += 1
        term = term * (n - k + 1) // k
        cumulative += term
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


ONE_RUN = "one latency run: run-to-run variance not included"

Pairs = tuple[Sequence[float], Sequence[float]]  # (base samples, method samples), pair by pair


@dataclass(frozen=True)
class RunsSlowdown:
    """A (model, method)'s slowdown over its independent latency runs, in %.

    `noise` says what the interval counts: with one run only the pairs' noise (`ONE_RUN`)."""

    pct: float
    ci_low_pct: float | None
    ci_high_pct: float | None
    runs: int
    pairs: int
    noise: str

    @property
    def halfwidth_pp(self) -> float | None:
        if self.ci_low_pct is None or self.ci_high_pct is None:
            return None
        return (self.ci_high_pct - self.ci_low_pct) / 2.0


def _run_logs(runs: Sequence[Pairs]) -> np.ndarray:
    """log of each run's median per-pair ratio."""
    out = []
    for base, other in runs:
        if len(base) != len(other) or not base:
            raise ValueError(f"need equal, non-empty pair lists (got {len(base)} and {len(other)})")
        out.append(math.log(statistics.median(o / b for b, o in zip(base, other, strict=True))))
    return np.asarray(out)


def runs_slowdown(runs: Sequence[Pairs], level: float = LEVEL) -> RunsSlowdown:
    """Slowdown over R independent latency runs (each a list of interleaved pairs).

    Why: pairs within one run share that run's machine state (load, clocks, cache placement), so
    pooling pairs of several runs as if independent gives an interval that ignores run-to-run
    variation (sd 1-4 points in docs/measurements.md's repeats; coverage 0.29-0.80 with a 3 %
    run effect). The run is the unit here: with R >= 2 runs, m_r = log(median ratio of run r),
    the estimate is exp(mean m_r) - 1 and the interval exp(mean m_r ± t_{R-1} sd(m_r)/sqrt(R)) - 1
    (the run-level t interval, which counts within-run noise through each m_r), widened to
    contain the pooled pairs' order-statistic interval. With one run: that run's order-statistic
    interval, labelled `ONE_RUN`."""
    from scipy import stats

    if not runs:
        raise ValueError("no latency runs")
    pooled = paired_slowdown(
        [b for base, _ in runs for b in base], [o for _, other in runs for o in other]
    )
    if len(runs) == 1:
        return RunsSlowdown(
            pooled.pct, pooled.ci_low_pct, pooled.ci_high_pct, 1, pooled.pairs, ONE_RUN
        )
    logs = _run_logs(runs)
    mean = float(logs.mean())
    half = float(stats.t.ppf(0.5 + level / 2.0, logs.size - 1)) * float(logs.std(ddof=1))
    half /= math.sqrt(logs.size)
    lo, hi = 100.0 * (math.exp(mean - half) - 1.0), 100.0 * (math.exp(mean + half) - 1.0)
    if pooled.ci_low_pct is not None and pooled.ci_high_pct is not None:
        lo, hi = min(lo, pooled.ci_low_pct), max(hi, pooled.ci_high_pct)
    noise = f"{logs.size} latency runs: run-to-run and pair noise"
    return RunsSlowdown(100.0 * (math.exp(mean) - 1.0), lo, hi, int(logs.size), pooled.pairs, noise)


LOG_CAP = 600.0  # largest log-ratio a replicate takes (runs_slowdown_replicates)


def runs_slowdown_replicates(runs: Sequence[Pairs], replicates: int, seed: int) -> np.ndarray:
    """Replicates of `runs_slowdown`'s statistic in % (for the PSCP replicates, scoring.pscp).
    One run: the pairs drawn with replacement (`bootstrap_slowdowns`). R >= 2 runs: the run-level
    t as a distribution, exp(mean m_r + sd(m_r)/sqrt(R) * T_b) - 1 with T_b stratified quantiles
    of t_{R-1} in a seeded random order, so the PSCP ties count run-to-run variance too."""
    from scipy import stats

    if len(runs) == 1:
        return bootstrap_slowdowns(runs[0][0], runs[0][1], replicates, seed)
    logs = _run_logs(runs)
    order = np.random.default_rng(seed).permutation(replicates)
    t = stats.t.ppf((order + 0.5) / replicates, logs.size - 1)
    scale = float(logs.std(ddof=1)) / math.sqrt(logs.size)
    # t with few degrees of freedom has tails that overflow exp for runs far apart (two runs
    # a factor ~10 apart: t_1 quantiles reach -+636 at 1000 replicates); an infinite L makes the
    # PSCP ratios inf/inf = nan, and one nan replicate silently ties every method. Capped at
    # e^LOG_CAP (a slowdown of ~1e262 %), as slow as anything ever compared, and finite.
    return 100.0 * (np.exp(np.minimum(float(logs.mean()) + scale * t, LOG_CAP)) - 1.0)
