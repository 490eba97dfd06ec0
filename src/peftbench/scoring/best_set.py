"""The best and the ranks with family-wise control: a confidence set for the best, simultaneous
rank intervals, and "does anything beat the reference" (docs/measurements.md).

Why: picking the best point estimate and then running k-1 separate 95 % tests against it marks at
least one of 6 truly equal methods "below the best" in 31-37 % of simulations, and per-method rank
percentiles cover all six true ranks jointly only 83 % of the time.

Input is generic: point estimates (K,) and a replicate matrix (B, K) whose column j is method j's
bootstrap replicates, drawn on the same eval items for every method (paired: scoring.seeds
.paired_replicates), or any statistic computed from them (PSCP = score replicates x cost factor,
per profile: the profile's columns). Nothing here knows what the numbers are.

Procedure (a max-statistic bootstrap over all pairwise differences, stepped down as in Romano and
Wolf 2005; the ranks follow Mogstad, Romano, Shaikh and Wilhelm, "Inference for Ranks", 2024):
1. For every ordered pair (a, b): d_ab = est_a - est_b, its replicates d*_ab, se_ab = sd(d*_ab).
   A pair whose replicates never differ (se 0) is never called.
2. The claim "a above b" is made when d_ab - c * se_ab > 0, with c the `confidence` quantile over
   replicates of max over the still-open ordered pairs of (d*_ab - d_ab) / se_ab. Claims made,
   the max is retaken over the remaining pairs, and so on until no new claim (step-down). All
   claims hold jointly with probability >= 95 % (asymptotically): the max over both orders of a
   pair is the two-sided |t|.
3. Rank interval of j (1 = best): [1 + #methods claimed above j, K - #methods claimed below j].
   Every true rank is inside its interval whenever no claim is false: jointly >= 95 %.
4. Best set: the methods nothing is claimed above (rank interval starting at 1). The true best is
   in it whenever no claim is false: a confidence set for the best at 95 %.
5. Versus a reference (`versus_reference`: `frozen`): one-sided simultaneous lower bounds of
   est_m - est_ref over the methods; a method beats the reference when its bound is above 0.
   When none does, the board says "no PEFT method beats the reference beyond the noise" and marks
   no winner.
Deterministic: no randomness here (the replicates carry it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from peftbench.scoring.intervals import CONFIDENCE

NO_WINNER = "no PEFT method beats {reference} beyond the noise"


def _stepdown(d: np.ndarray, dstar: np.ndarray, confidence: float) -> tuple[np.ndarray, float]:
    """Claims (P,) bool where d - c*se > 0, step-down over the open claims; and the first c.
    `d` (P,): point differences; `dstar` (B, P): their replicates."""
    se = dstar.std(axis=0)
    usable = se > 1e-12 * max(1.0, float(np.abs(dstar).max(initial=0.0)))
    z = np.zeros_like(dstar)
    z[:, usable] = (dstar[:, usable] - d[usable]) / se[usable]
    claimed = np.zeros(d.shape, dtype=bool)
    first = float("nan")
    while True:
        open_ = usable & ~claimed
        if not open_.any():
            return claimed, first
        c = float(np.quantile(z[:, open_].max(axis=1), confidence, method="higher"))
        first = c if np.isnan(first) else first
        new = open_ & (d - c * se > 0)
        if not new.any():
            return claimed, first
        claimed |= new


def _check(estimates: np.ndarray, replicates: np.ndarray, k: int) -> None:
    if estimates.shape != (k,) or replicates.ndim != 2 or replicates.shape[1] != k:
        raise ValueError(
            f"need estimates (K,) and replicates (B, K) for K = {k} names "
            f"(got {estimates.shape} and {replicates.shape})"
        )


@dataclass(frozen=True)
class Ranking:
    """Simultaneous statements about K methods at `confidence`, jointly."""

    names: tuple[str, ...]
    estimates: tuple[float, ...]
    above: frozenset[tuple[str, str]]  # (a, b): a is above b beyond the noise
    ranks: Mapping[str, tuple[int, int]] = field(hash=False)  # [best, worst] rank, 1 = top
    best_set: tuple[str, ...]  # the methods that may be best
    critical: float  # the first step's critical value c (nan: nothing comparable)
    confidence: float

    @property
    def top(self) -> str | None:
        """The highest estimate (ties by name); a reader's "best" only if best_set is just it."""
        if not self.names:
            return None
        return min(zip(self.names, self.estimates, strict=True), key=lambda t: (-t[1], t[0]))[0]

    @property
    def decided(self) -> bool:
        """One method alone may be best."""
        return len(self.best_set) == 1


def rank(
    names: Sequence[str],
    estimates: Sequence[float] | np.ndarray,
    replicates: np.ndarray,
    confidence: float = CONFIDENCE,
) -> Ranking:
    """Best set and simultaneous rank intervals of `names` (module docstring, steps 1-4)."""
    k = len(names)
    est = np.asarray(estimates, dtype=float)
    reps = np.asarray(replicates, dtype=float)
    _check(est, reps, k)
    a_idx, b_idx = (x.ravel() for x in np.nonzero(~np.eye(k, dtype=bool)))
    claims, c = (
        _stepdown(est[a_idx] - est[b_idx], reps[:, a_idx] - reps[:, b_idx], confidence)
        if k > 1
        else (np.zeros(0, dtype=bool), float("nan"))
    )
    above = frozenset(
        (names[int(a)], names[int(b)])
        for a, b, hit in zip(a_idx, b_idx, claims, strict=True)
        if hit
    )
    ranks = {
        m: (1 + sum((o, m) in above for o in names), k - sum((m, o) in above for o in names))
        for m in names
    }
    best = tuple(m for m in names if ranks[m][0] == 1)
    return Ranking(tuple(names), tuple(map(float, est)), above, ranks, best, c, confidence)


@dataclass(frozen=True)
class ReferenceCheck:
    """Which methods beat the reference beyond the noise (one-sided, jointly at `confidence`)."""

    reference: str
    lower: Mapping[str, float] = field(hash=False)  # simultaneous lower bound of m - reference
    beats: tuple[str, ...]
    confidence: float

    @property
    def any_beats(self) -> bool:
        return bool(self.beats)

    @property
    def note(self) -> str | None:
        """The board's line when nothing beats the reference (then it marks no winner)."""
        return None if self.beats else NO_WINNER.format(reference=self.reference)


def versus_reference(
    names: Sequence[str],
    estimates: Sequence[float] | np.ndarray,
    replicates: np.ndarray,
    reference: str,
    reference_estimate: float,
    reference_replicates: np.ndarray,
    confidence: float = CONFIDENCE,
) -> ReferenceCheck:
    """Step 5 of the module docstring: `reference_replicates` (B,) on the same item draws."""
    est = np.asarray(estimates, dtype=float)
    reps = np.asarray(replicates, dtype=float)
    _check(est, reps, len(names))
    d = est - float(reference_estimate)
    dstar = reps - np.asarray(reference_replicates, dtype=float)[:, None]
    se = dstar.std(axis=0)
    claims, c = _stepdown(d, dstar, confidence)
    lower = {m: float(d[j] - (c if np.isfinite(c) else 0.0) * se[j]) for j, m in enumerate(names)}
    beats = tuple(m for m, hit in zip(names, claims, strict=True) if hit)
    return ReferenceCheck(reference, lower, beats, confidence)


@dataclass(frozen=True)
class WeightCall:
    """The top method under one set of PSCP weights, and whether that call is inside the noise."""

    label: str
    top: str
    best_set: tuple[str, ...]

    @property
    def inside_noise(self) -> bool:
        """Another method may be best under these weights too."""
        return len(self.best_set) > 1


def weight_calls(
    names: Sequence[str],
    score_estimates: Sequence[float] | np.ndarray,
    score_replicates: np.ndarray,
    factors: Mapping[str, Sequence[float] | np.ndarray],
    factor_replicates: Mapping[str, np.ndarray] | None = None,
    confidence: float = CONFIDENCE,
) -> tuple[WeightCall, ...]:
    """For each weight setting `label` of the sensitivity table: PSCP = factors[label] (K,) x
    score (S = 1 cost factors, scoring.pscp.cost_factors), replicates = (factor_replicates[label]
    (B, K) where a cost is noisy, else the point factors) x score replicates; its top method and
    best set. A top-method call that differs from the default's is a change of conclusion only
    when it is not inside the noise."""
    est = np.asarray(score_estimates, dtype=float)
    reps = np.asarray(score_replicates, dtype=float)
    out = []
    for label, f in factors.items():
        point = np.asarray(f, dtype=float)
        frep = (factor_replicates or {}).get(label)
        fr = point[None, :] if frep is None else np.asarray(frep, dtype=float)
        r = rank(names, point * est, fr * reps, confidence)
        out.append(WeightCall(label, r.top or "", r.best_set))
    return tuple(out)
