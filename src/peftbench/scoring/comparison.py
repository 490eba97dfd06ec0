"""The statistics of one model's comparison: score intervals, ties with the best, vs the reference.

Input: for each method and dataset, the bootstrap samples of its seeds (`intervals.ItemSample`).
Per dataset, one item draw is shared by every method whose eval items are the dataset's usual
set (the most common id set; ids matched, order aligned), so all differences are paired; a cell
evaluated on other items gets its own draw and an interval, but no paired comparison. Where every
sample of a dataset is a count over the same named test set (`intervals.CountItems`: imported
records, which carry only accuracy and n), each method gets its own draw and they are compared
unpaired: valid for independent samples, conservative (wider) for runs that were in fact scored
on the same items; such a cell's interval is the Wilson interval of its count. Seeds are drawn
per method. A row's average over datasets uses the mean of its datasets' replicates, as
the leaderboard's average is the plain mean of its dataset scores.

What comes out, per method (all 95 %, percentile bootstrap, `REPLICATES` replicates, seeds derived
from the model and dataset names so the same results give the same numbers):
- `intervals[dataset]` and `score_interval` (the average; only when every dataset has a sample);
- `ties[dataset]` and `score_tie`: `TieMark`s among the contestants (PEFT methods; baselines are
  references and are neither best nor tied), only for cells that can be paired;
- `vs_reference`: the average score minus the reference's (the zero-shot baseline) on the same
  datasets and items, with its interval (`ties.Difference`);
- `pscp_ties[form]`: ties on PSCP replicates = score replicates x the method's cost factor; where
  a cost is itself noisy (the seed form's latency), x that factor's own replicate, so a PSCP gap
  must survive both the score's and the latency's noise;
- `pscp_ranks[form]`: the 95 % interval of the method's PSCP rank over the same replicates
  (`ties.rank_intervals`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from peftbench.scoring.intervals import (
    CONFIDENCE,
    REPLICATES,
    SEED,
    CountItems,
    Interval,
    ItemSample,
    cell_estimate,
    cell_replicates,
    draw_items,
    draw_seeds,
    percentile_interval,
    stream_seed,
)
from peftbench.scoring.proportion import wilson
from peftbench.scoring.ties import (
    PAIRED_BOOTSTRAP,
    UNPAIRED_BOOTSTRAP,
    Difference,
    TieMark,
    mark_ties,
    paired_difference,
    rank_intervals,
)

Cells = Mapping[str, Mapping[str, Sequence[ItemSample]]]  # method -> dataset -> seeds' samples


@dataclass
class MethodStats:
    intervals: dict[str, Interval | None] = field(default_factory=dict)
    score_interval: Interval | None = None
    ties: dict[str, TieMark | None] = field(default_factory=dict)
    score_tie: TieMark | None = None
    vs_reference: Difference | None = None
    pscp_ties: dict[str, TieMark | None] = field(default_factory=dict)
    pscp_ranks: dict[str, tuple[int, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        def d(x: Interval | TieMark | Difference | None) -> object:
            return None if x is None else x.as_dict()

        return {
            "intervals": {k: d(v) for k, v in self.intervals.items()},
            "score_interval": d(self.score_interval),
            "ties": {k: d(v) for k, v in self.ties.items()},
            "score_tie": d(self.score_tie),
            "vs_reference": d(self.vs_reference),
            "pscp_ties": {k: d(v) for k, v in self.pscp_ties.items()},
            "pscp_ranks": {k: list(v) for k, v in self.pscp_ranks.items()},
        }


@dataclass
class _Dataset:
    """One dataset's replicates: paired (shared item draw) or alone, per method."""

    estimates: dict[str, float] = field(default_factory=dict)
    replicates: dict[str, np.ndarray] = field(default_factory=dict)
    paired: set[str] = field(default_factory=set)
    unpaired: bool = False  # counts over one test set: compared on independent draws


def _counts_only(have: Mapping[str, Sequence[ItemSample]]) -> bool:
    """Every sample a count over the same named test set (imported records)."""
    samples = [s for seeds in have.values() for s in seeds]
    sets = {s.item_set if isinstance(s, CountItems) else None for s in samples}
    return len(have) > 1 and len(sets) == 1 and None not in sets


def _cell_interval(
    seeds: Sequence[ItemSample], data: _Dataset, method: str, confidence: float
) -> Interval | None:
    """A cell's interval: the percentile interval of its replicates; for a count (one imported
    run: k of n right, items unknown) the Wilson interval, honest at 0 and n of n."""
    if len(seeds) == 1 and isinstance(seeds[0], CountItems):
        return wilson(seeds[0].correct, len(seeds[0].ids), confidence)
    reps, est = data.replicates.get(method), data.estimates.get(method)
    return None if reps is None or est is None else percentile_interval(reps, est, confidence)


def _aligned(seeds: Sequence[ItemSample], ids: tuple[str, ...]) -> list[ItemSample] | None:
    """The seeds' samples in the order `ids`, or None when one of them has other items."""
    out = []
    for s in seeds:
        if set(s.ids) != set(ids):
            return None
        out.append(s if s.ids == ids else s.reorder(ids))  # type: ignore[attr-defined]
    return out


def _dataset(key: str, dataset: str, cells: Cells, replicates: int, seed: int) -> _Dataset:
    have = {m: ds[dataset] for m, ds in cells.items() if ds.get(dataset)}
    id_sets = Counter(frozenset(s.ids) for seeds in have.values() for s in seeds)
    usual = (  # most runs, then most items, then the ids themselves: deterministic
        max(id_sets, key=lambda k: (id_sets[k], len(k), sorted(k))) if id_sets else frozenset()
    )
    out = _Dataset(unpaired=_counts_only(have))
    order = () if out.unpaired else tuple(sorted(usual))
    shared = draw_items(max(1, len(order)), replicates, stream_seed(key, dataset, seed=seed))
    for method, seeds in sorted(have.items()):
        aligned = _aligned(seeds, order) if order else None
        seed_draws = draw_seeds(len(seeds), replicates, stream_seed(key, dataset, method, "seeds"))
        if aligned is not None:
            out.paired.add(method)
            reps = cell_replicates(aligned, shared, seed_draws)
        else:  # other items: its own draw, no pairing
            own = draw_items(len(seeds[0].ids), replicates, stream_seed(key, dataset, method))
            seeds_same = _aligned(seeds, seeds[0].ids)
            if seeds_same is None:
                continue  # its seeds disagree on the items: no interval at all
            aligned, reps = seeds_same, cell_replicates(seeds_same, own, seed_draws)
        out.estimates[method] = cell_estimate(aligned)
        out.replicates[method] = reps
    return out


def compare_model(
    key: str,
    cells: Cells,
    contestants: Sequence[str],
    reference: str | None = None,
    pscp_factors: Mapping[str, Mapping[str, float]] | None = None,
    pscp_factor_replicates: Mapping[str, Mapping[str, np.ndarray]] | None = None,
    replicates: int = REPLICATES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> dict[str, MethodStats]:
    """Statistics of every method in `cells` (see the module docstring). `key`: the model's name
    (it seeds the draws); `contestants`: the methods ranked (ties); `reference`: the method of
    the "vs reference" column; `pscp_factors[form][method]`: PSCP with S = 1;
    `pscp_factor_replicates[form][method]`: the same per replicate, where a cost is measured
    with noise (the seed form's latency), `replicates` long; a method without them keeps its
    point factor."""
    datasets = sorted({d for ds in cells.values() for d in ds})
    per_ds = {d: _dataset(key, d, cells, replicates, seed) for d in datasets}
    stats = {m: MethodStats() for m in cells}
    for d, data in per_ds.items():
        for m in cells:
            if d in cells[m]:
                stats[m].intervals[d] = _cell_interval(cells[m][d], data, m, confidence)
        ranked = [
            m for m in contestants if m in data.paired or (data.unpaired and m in data.replicates)
        ]
        marks = mark_ties(
            {m: data.estimates[m] for m in ranked},
            {m: data.replicates[m] for m in ranked},
            confidence,
            UNPAIRED_BOOTSTRAP if data.unpaired else PAIRED_BOOTSTRAP,
        )
        for m in cells:
            if d in cells[m] and m in contestants:
                stats[m].ties[d] = marks.get(m)

    # averages over datasets
    avg_est: dict[str, float] = {}
    avg_reps: dict[str, np.ndarray] = {}
    avg_paired: dict[str, bool] = {}
    for m in cells:
        mine = sorted(cells[m])
        if mine and all(m in per_ds[d].replicates for d in mine):
            avg_est[m] = float(np.mean([per_ds[d].estimates[m] for d in mine]))
            avg_reps[m] = np.mean([per_ds[d].replicates[m] for d in mine], axis=0)
            avg_paired[m] = all(m in per_ds[d].paired or per_ds[d].unpaired for d in mine)
            stats[m].score_interval = (
                stats[m].intervals[mine[0]]  # one dataset: its average is its score
                if len(mine) == 1
                else percentile_interval(avg_reps[m], avg_est[m], confidence)
            )

    complete = [
        m for m in contestants if m in avg_est and avg_paired[m] and sorted(cells[m]) == datasets
    ]
    # the average's draws are unpaired where a dataset's are (counts of imported runs)
    test = UNPAIRED_BOOTSTRAP if any(d.unpaired for d in per_ds.values()) else PAIRED_BOOTSTRAP
    marks = mark_ties(
        {m: avg_est[m] for m in complete}, {m: avg_reps[m] for m in complete}, confidence, test
    )
    for m in complete:
        stats[m].score_tie = marks[m]
    for form, factors in (pscp_factors or {}).items():
        ranked = [m for m in complete if m in factors]
        noisy = (pscp_factor_replicates or {}).get(form, {})
        pscp_reps = {m: noisy.get(m, factors[m]) * avg_reps[m] for m in ranked}
        pscp_marks = mark_ties(
            {m: factors[m] * avg_est[m] for m in ranked}, pscp_reps, confidence, test
        )
        ranks = rank_intervals(pscp_reps, confidence)
        for m in ranked:
            stats[m].pscp_ties[form] = pscp_marks[m]
            stats[m].pscp_ranks[form] = ranks[m]

    if reference is not None and reference in cells:
        for m in cells:
            if m == reference:
                continue
            stats[m].vs_reference = _versus(m, reference, cells, per_ds, confidence)
    return stats


def _versus(
    m: str, ref: str, cells: Cells, per_ds: Mapping[str, _Dataset], confidence: float
) -> Difference | None:
    """m's average minus ref's, over m's datasets, paired on the same items."""
    mine = sorted(cells[m])
    if not mine or not all(m in per_ds[d].paired and ref in per_ds[d].paired for d in mine):
        return None
    est = [per_ds[d].estimates for d in mine]
    reps = [per_ds[d].replicates for d in mine]
    return paired_difference(
        float(np.mean([e[m] for e in est])),
        np.mean([r[m] for r in reps], axis=0),
        float(np.mean([e[ref] for e in est])),
        np.mean([r[ref] for r in reps], axis=0),
        confidence,
    )
