"""The board's uncertainty parts: score intervals, ties with the best, "vs frozen", PSCP ranks.

For every model the runs' per-item data (predictions.jsonl, via `results.items`) go through
`scoring.comparison.compare_model`; this module gathers them and returns, per row, the typed
comparison (`RowStats`) that board/build.py turns into the row's columns:

- `scores_ci[dataset]`, `score_ci`: [low, high] of the 95 % bootstrap interval (None: no
  per-item data, e.g. a run written before per-item scores or with its predictions removed);
- `ties[dataset]`, `tie`, `pscp_tie`, `pscp_paper_tie`: "best", "tie" (not significantly
  different from the best on a paired test) or None (below the best, or not ranked: baselines and
  partial rows); `pscp_tie` also counts the latency's noise (`latency_replicates`);
- `pscp_rank`, `pscp_paper_rank`: [best, worst] 95 % interval of the row's PSCP rank among the
  PEFT methods of its model (1 = top), from the same replicates;
- `vs_reference`: the average score minus that of the model's reference (the baseline that does
  not train, i.e. `frozen`), with its paired interval; `reference` names it;
- `stats`: everything above in full (p-values, gaps), for the JSON report.
The board gets `uncertainty`: which test, how many replicates, the confidence, the seed and the
noise the marks include.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from peftbench.board.latency import slowdown_pairs
from peftbench.board.model import Estimate, Gap, LatencyReference, Mark, RowStats, Uncertainty
from peftbench.config.schema import ScoringSettings
from peftbench.efficiency.paired import bootstrap_slowdowns
from peftbench.results.items import counted, item_sample
from peftbench.results.record import RunRecord
from peftbench.scoring.comparison import MethodStats, compare_model
from peftbench.scoring.intervals import (
    CONFIDENCE,
    REPLICATES,
    SEED,
    Interval,
    ItemSample,
    stream_seed,
)
from peftbench.scoring.pscp import cost_factors, seed_factor_replicates
from peftbench.scoring.ties import PAIRED_BOOTSTRAP, Difference, TieMark

NOTE = (
    "score ±h and avg 95% CI: 95 % interval, percentile bootstrap over the eval items (and the "
    "seeds, when a cell has several), {replicates} replicates"
)
TIES = (
    "* best PEFT method, = not significantly different from it ({test} on the same eval items, "
    "95 %); the same for PSCP, whose replicates also resample the latency pairs (a PSCP gap "
    "must survive the score's and the slowdown's noise); pscp rank: 95 % interval of the "
    "method's PSCP rank over the same replicates (overlapping ranks may swap in a rerun); "
    "baselines are references: not ranked, no PSCP"
)


def method_role(method: str) -> tuple[bool, bool]:
    """(is a baseline, trains) from the method registry; an unknown method (a plugin no longer
    installed) is a contestant that trains."""
    from peftbench.methods import METHODS

    if method not in METHODS:
        return False, True
    m = METHODS.get(method)
    return m.baseline, m.trains


def reference_of(methods: Sequence[str]) -> str | None:
    """The model's reference for "vs frozen": the baseline that does not train (first by name)."""
    refs = sorted(m for m in methods if method_role(m) == (True, False))
    return refs[0] if refs else None


def samples_of(
    records: Sequence[RunRecord],
) -> dict[str, dict[str, dict[str, list[ItemSample]]]]:
    """model -> method -> dataset -> the seeds' item samples (seed order) of the ok records.

    A cell where any seed has no items (no predictions, ids not unique, a metric that cannot be
    resampled) gets an empty list, not the other seeds' samples alone: the comparison then gives
    it no interval, and the row no average interval or "vs reference" -- where leaving the cell
    out made them over the row's other datasets only (an average CI of [0, 0] beside an average
    of 25, "vs frozen +0.0" for a method 25 points above it)."""
    samples: dict[str, dict[str, dict[str, list[ItemSample]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    without: set[tuple[str, str, str]] = set()
    for r in sorted(records, key=lambda r: (r.seed, r.run_id)):
        if not r.ok or r.metrics is None:
            continue
        sample = item_sample(r.folder, r.metrics.metric) or counted(r.run_id, r.metrics)
        cell = samples[r.model][r.method][r.dataset]
        if sample is None:
            without.add((r.model, r.method, r.dataset))
        else:
            cell.append(sample)
    for model, method, dataset in without:
        samples[model][method][dataset] = []
    return samples


def latency_replicates(
    model: str,
    rows: Sequence[dict[str, Any]],
    records: Sequence[RunRecord],
    reference_ms: float | None,
) -> dict[str, NDArray[np.float64]]:
    """{method: bootstrap replicates of the row's L in ms/token}: the reference base latency x
    (1 + a replicate of the paired slowdown, from the same distinct pairs as the row's L). Rows
    without pairs (or a model without a reference) are left out and keep their point L."""
    if reference_ms is None:
        return {}
    out = {}
    for row in rows:
        if row["baseline"]:
            continue
        runs = [r for r in records if r.model == model and r.method == row["method"]]
        base, other = slowdown_pairs(runs)
        if base:
            seed = stream_seed(model, row["method"], "latency")
            slowdowns = bootstrap_slowdowns(base, other, REPLICATES, seed)
            out[row["method"]] = reference_ms * (1.0 + slowdowns / 100.0)
    return out


def stats_of(s: MethodStats) -> RowStats:
    """The typed copy of one method's comparison (scoring/comparison.py)."""
    return RowStats(
        intervals={d: _estimate(iv) for d, iv in s.intervals.items()},
        score_interval=_estimate(s.score_interval),
        ties={d: _mark(t) for d, t in s.ties.items()},
        score_tie=_mark(s.score_tie),
        vs_reference=_gap(s.vs_reference),
        pscp_ties={k: _mark(t) for k, t in s.pscp_ties.items()},
        pscp_ranks={k: (v[0], v[1]) for k, v in s.pscp_ranks.items()},
    )


def _estimate(iv: Interval | None) -> Estimate | None:
    return None if iv is None else Estimate(iv.estimate, iv.low, iv.high, iv.half_width)


def _gap(d: Difference | None) -> Gap | None:
    if d is None:
        return None
    return Gap(d.estimate, d.low, d.high, d.p_value, d.test, d.significant)


def _mark(t: TieMark | None) -> Mark | None:
    return None if t is None else Mark(t.best, t.is_best, t.tied, _gap(t.gap))


def model_stats(
    rows: Sequence[dict[str, Any]],
    records: Sequence[RunRecord],
    scoring: ScoringSettings,
    latency_reference: Mapping[str, LatencyReference],
) -> tuple[dict[tuple[str, str], RowStats], dict[str, str | None]]:
    """{(model, method): its comparison} for the rows that have per-item data, and each model's
    reference ("vs frozen"), from the ok `records`."""
    samples = samples_of(records)
    references: dict[str, str | None] = {}
    out: dict[tuple[str, str], RowStats] = {}
    for model in sorted({row["model"] for row in rows}):
        mine = [row for row in rows if row["model"] == model]
        contestants = [row["method"] for row in mine if not row["baseline"]]
        references[model] = reference_of([row["method"] for row in mine])
        ref = latency_reference.get(model)
        latency = latency_replicates(model, mine, records, ref.ms_per_token if ref else None)
        stats = compare_model(
            model,
            samples.get(model, {}),
            contestants,
            references[model],
            cost_factors(mine, scoring.pscp, scoring.pscp_paper),
            {"pscp": seed_factor_replicates(mine, latency, scoring.pscp)},
        )
        for method, s in stats.items():
            out[(model, method)] = stats_of(s)
    return out, references


def noise_sources(records: Sequence[RunRecord]) -> tuple[str, ...]:
    """Which noise the intervals and marks include: the eval items always; the training seeds
    only where a cell has several (else a seed effect is not in any interval); the latency pairs
    in the PSCP marks."""
    seeds: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    for r in records:
        seeds[(r.model, r.method, r.dataset)].add(r.seed)
    most = max((len(v) for v in seeds.values()), default=0)
    sources = ["eval items"]
    sources.append(
        f"training seeds ({most} per cell)" if most > 1 else "not training seeds (1 seed)"
    )
    sources.append("latency pairs (PSCP only)")
    return tuple(sources)


def uncertainty_info(
    references: Mapping[str, str | None], records: Sequence[RunRecord]
) -> Uncertainty:
    """How the board's intervals and marks were made."""
    return Uncertainty(
        test=PAIRED_BOOTSTRAP,
        replicates=REPLICATES,
        confidence=CONFIDENCE,
        seed=SEED,
        references=dict(references),
        note=NOTE.format(replicates=REPLICATES),
        ties=TIES.format(test=PAIRED_BOOTSTRAP),
        noise=noise_sources(records),
    )
