"""Statistics over seeds: mean, standard deviation, 95% t confidence intervals, Welch's t-test.

Seeds are few (often 2-5), so intervals use Student's t distribution, not the normal one
(scipy's, imported where used so that `peftbench --help` loads neither scipy nor numpy).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

CONFIDENCE = 0.95


class SummaryJSON(TypedDict):
    """`Summary.as_dict`: a value over seeds as JSON."""

    n: int
    mean: float
    std: float | None
    ci_low: float | None
    ci_high: float | None
    values: list[float]
    half_width: float | None


class SeedSummaryJSON(SummaryJSON):
    """A summary with the seed of each value, in the order of `values` (reports/seeds.py)."""

    seeds: list[int]


class WelchJSON(TypedDict):
    """`Welch.as_dict`: Welch's test as JSON."""

    diff: float
    t: float | None
    df: float | None
    p_value: float | None
    ci_low: float | None
    ci_high: float | None
    significant: bool


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with `df` degrees of freedom (df may be fractional, as Welch's)."""
    from scipy import stats

    if df <= 0:
        raise ValueError(f"degrees of freedom must be positive, got {df}")
    return float(stats.t.cdf(t, df))


def t_quantile(p: float, df: float) -> float:
    """The t value with P(T <= t) = p."""
    from scipy import stats

    if not 0.0 < p < 1.0:
        raise ValueError(f"probability must be in (0, 1), got {p}")
    return float(stats.t.ppf(p, df))


@dataclass(frozen=True)
class Summary:
    """A value over seeds. `std` and the interval are None with a single seed: no spread known."""

    n: int
    mean: float
    std: float | None
    ci_low: float | None
    ci_high: float | None
    values: tuple[float, ...]

    @property
    def half_width(self) -> float | None:
        return None if self.ci_high is None else self.ci_high - self.mean

    def as_dict(self) -> SummaryJSON:
        return {
            "n": self.n,
            "mean": self.mean,
            "std": self.std,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "values": list(self.values),
            "half_width": self.half_width,
        }


def summarize(values: Sequence[float], confidence: float = CONFIDENCE) -> Summary:
    """Mean, sample standard deviation (n-1) and the t interval of the mean."""
    vals = tuple(float(v) for v in values)
    if not vals:
        raise ValueError("no values to summarise")
    mean = statistics.fmean(vals)
    if len(vals) < 2:
        return Summary(len(vals), mean, None, None, None, vals)
    std = statistics.stdev(vals)
    half = t_quantile(0.5 + confidence / 2.0, len(vals) - 1) * std / math.sqrt(len(vals))
    return Summary(len(vals), mean, std, mean - half, mean + half, vals)


@dataclass(frozen=True)
class Welch:
    """Welch's unequal-variance t-test of mean(a) - mean(b); None fields when it cannot be done."""

    diff: float
    t: float | None
    df: float | None
    p_value: float | None
    ci_low: float | None
    ci_high: float | None

    def significant(self, alpha: float = 1.0 - CONFIDENCE) -> bool:
        return self.p_value is not None and self.p_value < alpha

    def as_dict(self) -> WelchJSON:
        return {
            "diff": self.diff,
            "t": self.t,
            "df": self.df,
            "p_value": self.p_value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "significant": self.significant(),
        }


def welch(a: Sequence[float], b: Sequence[float], confidence: float = CONFIDENCE) -> Welch:
    """Two-sided Welch test. Needs two values on each side; zero spread on both sides gives p=0
    when the means differ (the difference is exact) and p=1 when they are equal."""
    diff = statistics.fmean(a) - statistics.fmean(b)
    if len(a) < 2 or len(b) < 2:
        return Welch(diff, None, None, None, None, None)
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    se2 = va + vb
    if se2 == 0.0:
        p = 1.0 if diff == 0.0 else 0.0
        return Welch(diff, None, None, p, diff, diff)
    df = se2**2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    t = diff / math.sqrt(se2)
    p = 2.0 * (1.0 - t_cdf(abs(t), df))
    half = t_quantile(0.5 + confidence / 2.0, df) * math.sqrt(se2)
    return Welch(diff, t, df, p, diff - half, diff + half)
