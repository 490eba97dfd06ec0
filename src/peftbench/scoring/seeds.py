"""Seeds in the intervals: replicates of a cell that count training-seed noise.

A cell (model, method, dataset) trained with k seeds is scored on n eval items shared by all the
seeds. Its estimate is the mean over seeds of each seed's score. Two sources of noise:
- the items (another draw of n items from the same population): shared by every seed;
- the seeds (another k training runs): a seed shifts all of its items' answers at once.

Drawing k of k seeds with replacement (the two-stage bootstrap) covers only 84-92 % at 3-5 seeds:
a bootstrap over 3 values knows 10 distinct multisets and shrinks the seed variance by (k-1)/k.
What this module does instead (the seed-level t interval, carried into replicates):

    replicate_b = mean over seeds of the seed's metric on item draw b      (item noise, paired)
                  + s_seed / sqrt(k) * T_b,  T_b ~ Student t with k - 1 degrees of freedom

with s_seed the sample sd of the k seeds' scores on all items. The second term is the classical
t interval for a mean of k runs, drawn as a distribution so that differences, best sets and rank
intervals (scoring.best_set) see it too. s_seed^2 also holds the item-by-seed interaction / n, which
the first term counts already: counted twice, so the interval is slightly conservative (it is small
next to the seed variance). Seed terms are drawn independently per method (different trainings).
With one seed there is no seed term, and the label says what the interval is:
"eval-item noise only (1 seed)".

A cell's displayed interval (`cell_interval`) is the 2.5-97.5 percentile interval of these
replicates, widened to contain the one-seed interval of scoring.proportion on the seed-averaged item
scores (Wilson / t), so it never has zero width at 0 or 100.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from peftbench.scoring.intervals import (
    CONFIDENCE,
    REPLICATES,
    SEED,
    ItemSample,
    MeanItems,
    draw_items,
    percentile_interval,
    stream_seed,
)
from peftbench.scoring.proportion import item_interval

ITEM_NOISE_ONLY = "eval-item noise only (1 seed)"


def noise_label(seeds: int) -> str:
    """What an interval from `seeds` seeds counts, for the board's notes and marks."""
    return ITEM_NOISE_ONLY if seeds < 2 else f"eval items and {seeds} seeds"


@dataclass(frozen=True)
class SeedInterval:
    """A cell's score and 95 % interval, with how many seeds it counts and what noise it holds."""

    estimate: float
    low: float
    high: float
    seeds: int
    noise: str  # noise_label(seeds)


def seed_term(seed_scores: Sequence[float] | np.ndarray, replicates: int, seed: int) -> np.ndarray:
    """(replicates,) draws of the seed term s_seed/sqrt(k) * t_{k-1}; zeros with one seed.
    Independent of the item draws, as the seeds' trainings are of the eval items."""
    s = np.asarray(seed_scores, dtype=float)
    if s.size < 2:
        return np.zeros(replicates)
    from scipy import stats

    scale = float(s.std(ddof=1)) / np.sqrt(s.size)
    # stratified: the B quantiles of t at (i + 0.5) / B, in a seeded random order, so the
    # interval's tails do not wobble with the draw (t with 2 df has heavy ones)
    order = np.random.default_rng(seed).permutation(replicates)
    return scale * stats.t.ppf((order + 0.5) / replicates, s.size - 1)


def cell_replicates(seeds: Sequence[ItemSample], items: np.ndarray, seed: int) -> np.ndarray:
    """The cell's replicates (module docstring). `seeds`: one ItemSample per seed, all on the
    same items in the same order; `items`: (B, n) item draws (share one draw across the methods
    of a comparison to pair them); `seed`: the seed term's random stream."""
    if not seeds:
        raise ValueError("a cell needs at least one seed")
    item_part = np.mean([s.values(items) for s in seeds], axis=0)
    return item_part + seed_term([s.value() for s in seeds], items.shape[0], seed)


def _averaged_items(seeds: Sequence[ItemSample]) -> np.ndarray | None:
    """Per-item scores averaged over seeds, when the metric is a mean over items."""
    if not all(isinstance(s, MeanItems) for s in seeds):
        return None
    rows = [np.asarray(s.scores, dtype=np.float64) for s in seeds if isinstance(s, MeanItems)]
    return np.asarray(np.mean(np.stack(rows), axis=0))


def replicate_interval(
    seeds: Sequence[ItemSample], reps: np.ndarray, confidence: float = CONFIDENCE
) -> SeedInterval:
    """A cell's displayed interval from its replicates (`cell_replicates`, paired or not): one
    seed of a mean-over-items metric gets the interval of scoring.proportion (Wilson / t);
    otherwise the percentile interval of `reps`, widened to contain that interval on the
    seed-averaged item scores, so it never has zero width at 0 or 100."""
    estimate = float(np.mean([s.value() for s in seeds]))
    averaged = _averaged_items(seeds)
    if len(seeds) == 1 and averaged is not None:
        iv = item_interval(averaged, confidence)
        return SeedInterval(estimate, iv.low, iv.high, 1, noise_label(1))
    iv = percentile_interval(reps, estimate, confidence)
    low, high = iv.low, iv.high
    if averaged is not None:
        floor = item_interval(averaged, confidence)
        low, high = min(low, floor.low), max(high, floor.high)
    return SeedInterval(estimate, low, high, len(seeds), noise_label(len(seeds)))


def cell_interval(
    seeds: Sequence[ItemSample],
    replicates: int = REPLICATES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> SeedInterval:
    """A cell's estimate and interval counting item and seed noise (module docstring)."""
    items = draw_items(len(seeds[0].ids), replicates, seed)
    reps = cell_replicates(seeds, items, stream_seed("seed term", seed=seed))
    return replicate_interval(seeds, reps, confidence)


@dataclass(frozen=True)
class Replicates:
    """Paired replicates of a comparison: `matrix[b, j]` is method `names[j]` in replicate b."""

    names: tuple[str, ...]
    estimates: np.ndarray  # (K,)
    matrix: np.ndarray  # (B, K)
    seeds: tuple[int, ...]  # seeds per method

    @property
    def noise(self) -> str:
        """The weakest noise model among the methods (one seed anywhere: item noise only)."""
        return noise_label(min(self.seeds, default=1))


def paired_replicates(
    cells: Mapping[str, Sequence[ItemSample]],
    replicates: int = REPLICATES,
    seed: int = SEED,
) -> Replicates:
    """Replicates of several methods' cells on the same eval items (ids in the same order): one
    item draw shared by all (paired), one independent seed term per method. The matrix feeds
    scoring.best_set (best set, rank intervals, vs reference), alone or times PSCP factors."""
    names = tuple(sorted(cells))
    if not names:
        raise ValueError("no methods to compare")
    ids = cells[names[0]][0].ids
    if any(s.ids != ids for m in names for s in cells[m]):
        raise ValueError("paired replicates need every method's seeds on the same items in order")
    items = draw_items(len(ids), replicates, seed)
    cols = [cell_replicates(cells[m], items, stream_seed("seed term", m, seed=seed)) for m in names]
    est = np.array([np.mean([s.value() for s in cells[m]]) for m in names])
    return Replicates(names, est, np.stack(cols, axis=1), tuple(len(cells[m]) for m in names))
