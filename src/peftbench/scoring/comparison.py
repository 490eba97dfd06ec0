"""One model's comparison: score intervals, the best and the ranks, vs the reference.

Input: for each method and dataset, the item samples of its seeds (`intervals.ItemSample`).
Per dataset, one item draw is shared by every method whose eval items are the dataset's usual
set (the most common id set; ids matched, order aligned), so all differences are paired; a cell
evaluated on other items gets its own draw and an interval, but no place in a ranking. A cell's
replicates are `seeds.cell_replicates`: the item draw plus, with several seeds, the seed-level t
term (training-seed noise), drawn independently per method and dataset (separate trainings). A
row's average over datasets uses the mean of its datasets' replicates, as the leaderboard's
average is the plain mean of its dataset scores.

What comes out (all at `confidence`, `REPLICATES` replicates, seeds derived from the model and
dataset names so the same results give the same numbers):
- per method, `intervals[dataset]` and `score_interval` (the average; only when every dataset has
  a sample): `seeds.replicate_interval` (Wilson / t with one seed, never zero width);
- per ranked comparison (each dataset, the average, each PSCP form) a `Verdict`: the confidence
  set for the best and simultaneous rank intervals of the contestants (scoring.best_set: PEFT
  methods; baselines are references and are never ranked), and, where the model has a reference
  (`frozen`), which contestants beat it beyond the noise. When none does, nothing is marked best
  on that comparison (`Verdict.winner`): a best mark must not suggest a winner among methods that
  learned nothing; the PSCP forms follow the average score's check;
- per method, its rank interval and best-set mark on each comparison, and `vs_reference`: the
  average score minus the reference's on the same datasets and items, with its paired interval;
- `average`: the ranked methods' average-score estimates and replicates, for PSCP under other
  weights (profiles, the sensitivity table: scoring.best_set.weight_calls).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from peftbench.scoring.best_set import Ranking, ReferenceCheck, rank, versus_reference
from peftbench.scoring.intervals import (
    CONFIDENCE,
    REPLICATES,
    SEED,
    CountItems,
    Interval,
    ItemSample,
    draw_items,
    percentile_interval,
    stream_seed,
)
from peftbench.scoring.seeds import cell_replicates, replicate_interval
from peftbench.scoring.ties import Difference, paired_difference

Cells = Mapping[str, Mapping[str, Sequence[ItemSample]]]  # method -> dataset -> seeds' samples
Ranks = tuple[int, int]


@dataclass
class MethodStats:
    intervals: dict[str, Interval | None] = field(default_factory=dict)
    score_interval: Interval | None = None
    ranks: dict[str, Ranks] = field(default_factory=dict)  # per dataset
    best: dict[str, bool] = field(default_factory=dict)  # per dataset: marked "may be best"
    score_rank: Ranks | None = None
    score_best: bool = False
    pscp_ranks: dict[str, Ranks] = field(default_factory=dict)  # per PSCP form
    pscp_best: dict[str, bool] = field(default_factory=dict)
    vs_reference: Difference | None = None
    beats_reference: bool | None = None  # on the average, jointly with the others
    seeds: int = 0  # the fewest seeds among its cells (1: eval-item noise only)


@dataclass(frozen=True)
class Verdict:
    """One ranked comparison: its ranking and, with a reference, which methods beat it."""

    ranking: Ranking
    check: ReferenceCheck | None

    @property
    def winner(self) -> bool:
        """May a best mark be shown: no reference, or some method beats it beyond the noise."""
        return self.check is None or self.check.any_beats

    def marked(self, method: str) -> bool:
        return self.winner and method in self.ranking.best_set


@dataclass(frozen=True)
class Average:
    """The ranked (complete, paired) methods' average scores and their replicates (B, K)."""

    names: tuple[str, ...]
    estimates: np.ndarray
    replicates: np.ndarray


@dataclass
class ModelComparison:
    methods: dict[str, MethodStats]
    datasets: dict[str, Verdict] = field(default_factory=dict)
    score: Verdict | None = None
    pscp: dict[str, Verdict] = field(default_factory=dict)
    average: Average | None = None


@dataclass
class _Dataset:
    """One dataset's replicates: paired (shared item draw) or alone, per method."""

    estimates: dict[str, float] = field(default_factory=dict)
    replicates: dict[str, np.ndarray] = field(default_factory=dict)
    intervals: dict[str, Interval] = field(default_factory=dict)
    seeds: dict[str, int] = field(default_factory=dict)
    paired: set[str] = field(default_factory=set)
    unpaired: bool = False  # counts over one named test set: compared on independent draws


def _counts_only(have: Mapping[str, Sequence[ItemSample]]) -> bool:
    """Every sample a count over the same named test set (imported records, which carry only
    accuracy and n): such runs are ranked on independent draws (unpaired), which is valid for
    independent samples and conservative (wider) for runs scored on the same items."""
    samples = [s for seeds in have.values() for s in seeds]
    sets = {s.item_set if isinstance(s, CountItems) else None for s in samples}
    return len(have) > 1 and len(sets) == 1 and None not in sets


def _aligned(seeds: Sequence[ItemSample], ids: tuple[str, ...]) -> list[ItemSample] | None:
    """The seeds' samples in the order `ids`, or None when one of them has other items."""
    out = []
    for s in seeds:
        if set(s.ids) != set(ids):
            return None
        out.append(s if s.ids == ids else s.reorder(ids))  # type: ignore[attr-defined]
    return out


def _dataset(
    key: str, dataset: str, cells: Cells, replicates: int, seed: int, confidence: float
) -> _Dataset:
    have = {m: ds[dataset] for m, ds in cells.items() if ds.get(dataset)}
    id_sets = Counter(frozenset(s.ids) for seeds in have.values() for s in seeds)
    usual = (  # most runs, then most items, then the ids themselves: deterministic
        max(id_sets, key=lambda k: (id_sets[k], len(k), sorted(k))) if id_sets else frozenset()
    )
    out = _Dataset(unpaired=_counts_only(have))
    order = () if out.unpaired else tuple(sorted(usual))
    shared = draw_items(max(1, len(order)), replicates, stream_seed(key, dataset, seed=seed))
    for method, seeds in sorted(have.items()):
        term = stream_seed(key, dataset, method, "seed term", seed=seed)
        aligned = _aligned(seeds, order) if order else None
        if aligned is not None:
            out.paired.add(method)
            reps = cell_replicates(aligned, shared, term)
        else:  # other items: its own draw, no pairing
            own = draw_items(len(seeds[0].ids), replicates, stream_seed(key, dataset, method))
            seeds_same = _aligned(seeds, seeds[0].ids)
            if seeds_same is None:
                continue  # its seeds disagree on the items: no interval at all
            aligned, reps = seeds_same, cell_replicates(seeds_same, own, term)
        iv = replicate_interval(aligned, reps, confidence)
        out.estimates[method] = iv.estimate
        out.replicates[method] = reps
        out.intervals[method] = Interval(iv.estimate, iv.low, iv.high)
        out.seeds[method] = iv.seeds
    return out


def _verdict(
    names: Sequence[str],
    estimates: Mapping[str, float],
    replicates: Mapping[str, np.ndarray],
    reference: str | None,
    confidence: float,
) -> Verdict | None:
    """Best set and simultaneous ranks of `names`; vs the reference when it has replicates."""
    if not names:
        return None
    est = np.array([estimates[m] for m in names])
    reps = np.stack([replicates[m] for m in names], axis=1)
    ranking = rank(names, est, reps, confidence)
    check = None
    if reference is not None and reference in replicates:
        check = versus_reference(
            names, est, reps, reference, estimates[reference], replicates[reference], confidence
        )
    return Verdict(ranking, check)


def _average_interval(mine: Sequence[str], per_ds: Mapping[str, _Dataset], m: str) -> Interval:
    """The average's interval: the percentile interval of the averaged replicates, widened to
    contain est -+ sqrt(sum of the datasets' lower/upper half-widths squared) / D, so the
    average of scores at 0 or 100 never has zero width either. One dataset: its interval."""
    if len(mine) == 1:
        return per_ds[mine[0]].intervals[m]
    est = float(np.mean([per_ds[d].estimates[m] for d in mine]))
    iv = percentile_interval(np.mean([per_ds[d].replicates[m] for d in mine], axis=0), est)
    ivs = [per_ds[d].intervals[m] for d in mine]
    below = float(np.sqrt(sum((i.estimate - i.low) ** 2 for i in ivs))) / len(ivs)
    above = float(np.sqrt(sum((i.high - i.estimate) ** 2 for i in ivs))) / len(ivs)
    return Interval(est, min(iv.low, est - below), max(iv.high, est + above))


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
) -> ModelComparison:
    """Statistics of every method in `cells` (see the module docstring). `key`: the model's name
    (it seeds the draws); `contestants`: the methods ranked; `reference`: the method of the "vs
    reference" column and the winner check; `pscp_factors[form][method]`: PSCP with S = 1;
    `pscp_factor_replicates[form][method]`: the same per replicate, where a cost is measured
    with noise (latency, forgetting), `replicates` long; a method without them keeps its point
    factor."""
    datasets = sorted({d for ds in cells.values() for d in ds})
    per_ds = {d: _dataset(key, d, cells, replicates, seed, confidence) for d in datasets}
    out = ModelComparison({m: MethodStats() for m in cells})
    for d, data in per_ds.items():
        for m in cells:
            if d in cells[m]:
                out.methods[m].intervals[d] = data.intervals.get(m)
        ranked = [
            m for m in contestants if m in data.paired or (data.unpaired and m in data.replicates)
        ]
        ref = reference if reference in data.paired or data.unpaired else None
        verdict = _verdict(ranked, data.estimates, data.replicates, ref, confidence)
        if verdict is not None:
            out.datasets[d] = verdict
            for m in ranked:
                out.methods[m].ranks[d] = verdict.ranking.ranks[m]
                out.methods[m].best[d] = verdict.marked(m)
    for m, s in out.methods.items():
        s.seeds = min((per_ds[d].seeds[m] for d in cells[m] if m in per_ds[d].seeds), default=0)
    _averages(out, cells, per_ds, datasets, contestants, reference, confidence)
    _pscp(out, pscp_factors or {}, pscp_factor_replicates or {}, confidence)
    if reference is not None and reference in cells:
        for m in cells:
            if m != reference:
                out.methods[m].vs_reference = _versus(m, reference, cells, per_ds, confidence)
    return out


def _averages(
    out: ModelComparison,
    cells: Cells,
    per_ds: Mapping[str, _Dataset],
    datasets: Sequence[str],
    contestants: Sequence[str],
    reference: str | None,
    confidence: float,
) -> None:
    """Each method's average over its datasets, and the ranking of the complete contestants."""
    avg_est: dict[str, float] = {}
    avg_reps: dict[str, np.ndarray] = {}
    paired: dict[str, bool] = {}
    for m in cells:
        mine = sorted(cells[m])
        if mine and all(m in per_ds[d].replicates for d in mine):
            avg_est[m] = float(np.mean([per_ds[d].estimates[m] for d in mine]))
            avg_reps[m] = np.mean([per_ds[d].replicates[m] for d in mine], axis=0)
            paired[m] = all(m in per_ds[d].paired or per_ds[d].unpaired for d in mine)
            out.methods[m].score_interval = _average_interval(mine, per_ds, m)
    complete = [
        m for m in contestants if m in avg_est and paired[m] and sorted(cells[m]) == datasets
    ]
    ref = reference
    if ref is None or not paired.get(ref) or sorted(cells.get(ref, {})) != list(datasets):
        ref = None
    verdict = _verdict(complete, avg_est, avg_reps, ref, confidence)
    if verdict is None:
        return
    out.score = verdict
    out.average = Average(
        tuple(complete),
        np.array([avg_est[m] for m in complete]),
        np.stack([avg_reps[m] for m in complete], axis=1),
    )
    for m in complete:
        s = out.methods[m]
        s.score_rank = verdict.ranking.ranks[m]
        s.score_best = verdict.marked(m)
        s.beats_reference = None if verdict.check is None else m in verdict.check.beats


def _pscp(
    out: ModelComparison,
    factors: Mapping[str, Mapping[str, float]],
    noisy: Mapping[str, Mapping[str, np.ndarray]],
    confidence: float,
) -> None:
    """PSCP rankings: replicates = the cost factor (its own replicate where noisy) x the average
    score's replicate; a best mark only where the average score's check allows a winner."""
    avg, score = out.average, out.score
    if avg is None or score is None:
        return
    for form, point in factors.items():
        idx = [j for j, m in enumerate(avg.names) if m in point]
        names = [avg.names[j] for j in idx]
        if not names:
            continue
        f = noisy.get(form, {})
        est = {m: point[m] * float(avg.estimates[j]) for m, j in zip(names, idx, strict=True)}
        reps = {
            m: np.asarray(f.get(m, point[m]), dtype=float) * avg.replicates[:, j]
            for m, j in zip(names, idx, strict=True)
        }
        verdict = _verdict(names, est, reps, None, confidence)
        assert verdict is not None
        verdict = Verdict(verdict.ranking, score.check)
        out.pscp[form] = verdict
        for m in names:
            out.methods[m].pscp_ranks[form] = verdict.ranking.ranks[m]
            out.methods[m].pscp_best[form] = verdict.marked(m)


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
