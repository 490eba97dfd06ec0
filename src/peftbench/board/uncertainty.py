"""The board's uncertainty parts: score intervals, the best and the ranks, "vs frozen", PSCP.

For every model the runs' per-item data (predictions.jsonl, via `results.items`) go through
`scoring.comparison.compare_model`; this module gathers them and returns, per model, what
board/build.py turns into the rows' columns and the board's `rankings`:

- `scores_ci[dataset]`, `score_ci`: [low, high] of the 95 % interval (Wilson / t with one seed,
  seed-level t with several: scoring/seeds.py; None: no per-item data, e.g. a run written before
  per-item scores or with its predictions removed);
- `ranks[dataset]`, `score_rank`, `pscp_rank`, `pscp_paper_rank`: simultaneous 95 % rank
  intervals among the model's PEFT methods (scoring/best_set.py); `best_set`: in the 95 %
  confidence set for the best, and a winner may be named (some PEFT method beats the reference
  beyond the noise); PSCP replicates also carry the latency's noise over independent latency
  runs (`latency_replicates`) and the forgetting's (`forgetting_replicates`);
- `vs_reference`: the average score minus that of the model's reference (the baseline that does
  not train, i.e. `frozen`), with its paired interval; `reference` names it;
- `stats`: the intervals in full, for the JSON report.
The same replicates rank the PEFT methods under every weight profile and every setting of the
sensitivity table (`weight_calls`). The board gets `uncertainty`: the procedure, the replicates,
the confidence, the seed and the noise the marks include.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from peftbench.board.inputs import RowInputs
from peftbench.board.latency import latency_runs
from peftbench.board.model import (
    Estimate,
    Gap,
    LatencyReference,
    Ranked,
    Rankings,
    RowStats,
    Uncertainty,
)
from peftbench.board.stability import retention_replicates
from peftbench.config.schema import PscpPaperSettings, PscpSeedSettings, ScoringSettings
from peftbench.efficiency.paired import runs_slowdown_replicates
from peftbench.results.items import counted, item_sample
from peftbench.results.record import RunRecord
from peftbench.scoring.best_set import WeightCall, weight_calls
from peftbench.scoring.comparison import ModelComparison, Verdict, compare_model
from peftbench.scoring.intervals import (
    CONFIDENCE,
    REPLICATES,
    SEED,
    Interval,
    ItemSample,
    stream_seed,
)
from peftbench.scoring.pscp import cost_factors, factor_replicates
from peftbench.scoring.seeds import ITEM_NOISE_ONLY, noise_label
from peftbench.scoring.ties import Difference

PROCEDURE = "paired bootstrap + step-down max-t (Romano-Wolf; ranks: Mogstad et al. 2024)"
NOTE = (
    "score intervals: 95 %; one seed: Wilson (right/wrong items) or t (graded items) over the "
    "eval items; several seeds: item bootstrap + seed-level t ({replicates} replicates); "
    "[lo, hi] where asymmetric"
)
MARKS = (
    "* = in the 95 % confidence set for the best PEFT method (jointly; several may be marked: "
    "the data cannot tell them apart); rank: simultaneous 95 % rank intervals among the PEFT "
    "methods (all true ranks covered jointly); no * where no PEFT method beats the reference "
    "beyond the noise; PSCP replicates also carry the latency's run-to-run noise and the "
    "forgetting's; baselines are references: not ranked, no PSCP"
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
    rows: Sequence[RowInputs],
    records: Sequence[RunRecord],
    reference_ms: float | None,
) -> dict[str, NDArray[np.float64]]:
    """{method: replicates of the row's L in ms/token}: the reference base latency x (1 + a
    replicate of the slowdown over the row's independent latency runs: efficiency.paired
    .runs_slowdown_replicates). Rows without pairs (or a model without a reference) are left
    out and keep their point L."""
    if reference_ms is None:
        return {}
    out = {}
    for row in rows:
        if row["baseline"]:
            continue
        runs = latency_runs([r for r in records if r.model == model and r.method == row["method"]])
        if runs:
            seed = stream_seed(model, row["method"], "latency")
            slowdowns = runs_slowdown_replicates(runs, REPLICATES, seed)
            out[row["method"]] = reference_ms * (1.0 + slowdowns / 100.0)
    return out


def forgetting_replicates(
    model: str, rows: Sequence[RowInputs], records: Sequence[RunRecord]
) -> dict[str, NDArray[np.float64]]:
    """{method: replicates of R, the points lost on general tasks (max(0, -retention))}, from
    the row's retention replicates (board/stability.py); rows without retention are left out."""
    out = {}
    for row in rows:
        if row["baseline"]:
            continue
        runs = [r for r in records if r.model == model and r.method == row["method"]]
        reps = retention_replicates(runs, REPLICATES, stream_seed(model, row["method"], "R"))
        if reps is not None:
            out[row["method"]] = np.maximum(0.0, -reps)
    return out


def _estimate(iv: Interval | None) -> Estimate | None:
    return None if iv is None else Estimate(iv.estimate, iv.low, iv.high, iv.half_width)


def gap_of(d: Difference | None) -> Gap | None:
    if d is None:
        return None
    return Gap(d.estimate, d.low, d.high, d.p_value, d.test, d.significant)


def ranked_of(v: Verdict | None) -> Ranked | None:
    """The typed summary of one ranked comparison."""
    if v is None:
        return None
    c = v.ranking.critical
    return Ranked(
        best_set=v.ranking.best_set if v.winner else (),
        critical=float(c) if np.isfinite(c) else None,
        winner=v.winner,
        beats_reference=None if v.check is None else tuple(v.check.beats),
        note=None if v.check is None else v.check.note,
    )


@dataclass(frozen=True)
class ModelUncertainty:
    """One model's comparison and what PSCP under other weights needs: the rows, the latency and
    forgetting replicates."""

    comparison: ModelComparison
    rows: tuple[RowInputs, ...]
    latency: Mapping[str, NDArray[np.float64]]
    forgetting: Mapping[str, NDArray[np.float64]]

    def stats(self, method: str) -> RowStats | None:
        s = self.comparison.methods.get(method)
        if s is None:
            return None
        return RowStats(
            intervals={d: _estimate(iv) for d, iv in s.intervals.items()},
            score_interval=_estimate(s.score_interval),
            vs_reference=gap_of(s.vs_reference),
            beats_reference=s.beats_reference,
            seeds=s.seeds,
        )

    def rankings(self) -> Rankings:
        c = self.comparison
        return Rankings(
            scores={d: r for d, v in c.datasets.items() if (r := ranked_of(v)) is not None},
            score=ranked_of(c.score),
            pscp=ranked_of(c.pscp.get("pscp")),
            pscp_paper=ranked_of(c.pscp.get("pscp_paper")),
        )

    def weight_calls(
        self, weights: Mapping[str, tuple[PscpSeedSettings, PscpPaperSettings]], form: str
    ) -> dict[str, WeightCall]:
        """{label: the top `form` PSCP method and its best set} under each set of weights,
        from the same replicates (empty without per-item data). A best set is empty where the
        average score's check allows no winner."""
        avg, score = self.comparison.average, self.comparison.score
        if avg is None or score is None or not weights:
            return {}
        points, noisy = {}, {}
        for label, (seed_w, paper_w) in weights.items():
            f = cost_factors(self.rows, seed_w, paper_w)[form]
            reps = factor_replicates(self.rows, self.latency, self.forgetting, seed_w, paper_w)
            points[label] = np.array([f[m] for m in avg.names])
            noisy[label] = np.stack([reps[form][m] for m in avg.names], axis=1)
        calls = weight_calls(avg.names, avg.estimates, avg.replicates, points, noisy)
        if not score.winner:
            calls = tuple(WeightCall(c.label, c.top, ()) for c in calls)
        return {c.label: c for c in calls}


def model_stats(
    rows: Sequence[RowInputs],
    records: Sequence[RunRecord],
    scoring: ScoringSettings,
    latency_reference: Mapping[str, LatencyReference],
) -> tuple[dict[str, ModelUncertainty], dict[str, str | None]]:
    """{model: its comparison} for the models with per-item data, and each model's reference
    ("vs frozen"), from the ok `records`."""
    samples = samples_of(records)
    references: dict[str, str | None] = {}
    out: dict[str, ModelUncertainty] = {}
    for model in sorted({row["model"] for row in rows}):
        mine = tuple(row for row in rows if row["model"] == model)
        contestants = [row["method"] for row in mine if not row["baseline"]]
        references[model] = reference_of([row["method"] for row in mine])
        ref = latency_reference.get(model)
        latency = latency_replicates(model, mine, records, ref.ms_per_token if ref else None)
        forgetting = forgetting_replicates(model, mine, records)
        comparison = compare_model(
            model,
            samples.get(model, {}),
            contestants,
            references[model],
            cost_factors(mine, scoring.pscp, scoring.pscp_paper),
            factor_replicates(mine, latency, forgetting, scoring.pscp, scoring.pscp_paper),
        )
        out[model] = ModelUncertainty(comparison, mine, latency, forgetting)
    return out, references


def noise_sources(records: Sequence[RunRecord]) -> tuple[str, ...]:
    """Which noise the intervals and marks include: the eval items always; the training seeds
    only where every cell has several (else: eval-item noise only); the latency runs in PSCP."""
    seeds: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    for r in records:
        seeds[(r.model, r.method, r.dataset)].add(r.seed)
    fewest = min((len(v) for v in seeds.values()), default=1)
    scores = (
        ("eval items", f"training seeds ({fewest} or more per cell)")
        if fewest > 1
        else (ITEM_NOISE_ONLY,)
    )
    return (*scores, "PSCP also: latency runs and pairs, forgetting")


def row_noise(seeds: int) -> str | None:
    """The row's noise label (None: no per-item data, so no interval)."""
    return noise_label(seeds) if seeds > 0 else None


def uncertainty_info(
    references: Mapping[str, str | None], records: Sequence[RunRecord]
) -> Uncertainty:
    """How the board's intervals and marks were made."""
    return Uncertainty(
        test=PROCEDURE,
        replicates=REPLICATES,
        confidence=CONFIDENCE,
        seed=SEED,
        references=dict(references),
        note=NOTE.format(replicates=REPLICATES),
        marks=MARKS,
        noise=noise_sources(records),
    )
