"""The leaderboard's uncertainty columns: score intervals, ties with the best, "vs frozen".

For every model the runs' per-item data (predictions.jsonl, via `results.items`) go through
`scoring.comparison.compare_model`; this module only gathers them and writes the results into
the leaderboard rows:

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
The board gets `uncertainty`: which test, how many replicates, the confidence and the seed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from peftbench.config.schema import ScoringSettings
from peftbench.efficiency.paired import bootstrap_slowdowns
from peftbench.reports.latency import slowdown_pairs
from peftbench.results.items import item_sample
from peftbench.results.record import RunRecord
from peftbench.scoring.comparison import compare_model
from peftbench.scoring.intervals import CONFIDENCE, REPLICATES, SEED, ItemSample, stream_seed
from peftbench.scoring.pscp import cost_factors, seed_factor_replicates
from peftbench.scoring.ties import PAIRED_BOOTSTRAP, TieMark

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


def _label(mark: TieMark | None) -> str | None:
    if mark is None or not mark.tied:
        return None
    return "best" if mark.is_best else "tie"


def _rank(interval: tuple[int, int] | None) -> list[int] | None:
    return None if interval is None else [interval[0], interval[1]]


def _pair(iv: Any) -> list[float] | None:
    return None if iv is None else [iv.low, iv.high]


def samples_of(
    records: Sequence[RunRecord],
) -> dict[str, dict[str, dict[str, list[ItemSample]]]]:
    """model -> method -> dataset -> the seeds' item samples (seed order) of the ok records."""
    samples: dict[str, dict[str, dict[str, list[ItemSample]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    for r in sorted(records, key=lambda r: (r.seed, r.run_id)):
        if not r.ok or r.metrics is None:
            continue
        sample = item_sample(r.folder, r.metrics.metric)
        if sample is not None:
            samples[r.model][r.method][r.dataset].append(sample)
    return samples


def latency_replicates(
    model: str,
    rows: Sequence[dict[str, Any]],
    records: Sequence[RunRecord],
    reference_ms: float | None,
) -> dict[str, np.ndarray]:
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


def annotate(board: dict[str, Any], records: Sequence[RunRecord], scoring: ScoringSettings) -> None:
    """Add the uncertainty columns to `board['rows']` from the ok `records`."""
    samples = samples_of(records)
    references: dict[str, str | None] = {}
    for model in sorted({row["model"] for row in board["rows"]}):
        rows = [row for row in board["rows"] if row["model"] == model]
        contestants = [row["method"] for row in rows if not row["baseline"]]
        references[model] = reference_of([row["method"] for row in rows])
        reference_ms = (board.get("latency_reference") or {}).get(model, {}).get("ms_per_token")
        latency = latency_replicates(model, rows, records, reference_ms)
        stats = compare_model(
            model,
            samples.get(model, {}),
            contestants,
            references[model],
            cost_factors(rows, scoring.pscp, scoring.pscp_paper),
            {"pscp": seed_factor_replicates(rows, latency, scoring.pscp)},
        )
        for row in rows:
            s = stats.get(row["method"])
            row["reference"] = references[model]
            if s is None:
                row.update(scores_ci={}, score_ci=None, ties={}, tie=None, vs_reference=None)
                row.update(pscp_tie=None, pscp_paper_tie=None, stats=None)
                row.update(pscp_rank=None, pscp_paper_rank=None)
                continue
            row["scores_ci"] = {d: _pair(iv) for d, iv in s.intervals.items()}
            row["score_ci"] = _pair(s.score_interval)
            row["ties"] = {d: _label(t) for d, t in s.ties.items()}
            row["tie"] = _label(s.score_tie)
            row["pscp_tie"] = _label(s.pscp_ties.get("pscp"))
            row["pscp_paper_tie"] = _label(s.pscp_ties.get("pscp_paper"))
            row["pscp_rank"] = _rank(s.pscp_ranks.get("pscp"))
            row["pscp_paper_rank"] = _rank(s.pscp_ranks.get("pscp_paper"))
            row["vs_reference"] = s.vs_reference.as_dict() if s.vs_reference else None
            row["stats"] = s.as_dict()
    board["uncertainty"] = {
        "test": PAIRED_BOOTSTRAP,
        "replicates": REPLICATES,
        "confidence": CONFIDENCE,
        "seed": SEED,
        "references": references,
        "note": NOTE.format(replicates=REPLICATES),
        "ties": TIES.format(test=PAIRED_BOOTSTRAP),
    }
