"""Scores over seeds: one leaderboard row per seed, then mean, std and 95% CI across seeds.

Per-seed rows are built by the board's own row code (`board.build.build_board` on the runs of
one seed), so a per-seed average score or PSCP is defined exactly as the leaderboard defines it.
The seed-form PSCP needs Pmax/Lmax/Mmax; for per-seed rows they are the largest values among all
per-seed rows of the same model in the comparison (`fill_pscp`), so every seed is scored on the
same scale. A seed's average counts only when that seed has every dataset of the method.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from peftbench.board.build import build_board
from peftbench.board.serialise import row_json
from peftbench.config.schema import ScoringSettings
from peftbench.reports.stats import summarize
from peftbench.results.record import RunRecord
from peftbench.scoring.pscp import add_pscp


def ok_runs(records: Iterable[RunRecord]) -> list[RunRecord]:
    return [r for r in records if r.ok]


def seed_rows(
    records: Sequence[RunRecord], scoring: ScoringSettings, per_dataset: bool = False
) -> list[dict[str, Any]]:
    """One row per (model, method, seed), or per (model, method, dataset, seed) with
    `per_dataset`. Rows carry `seed`, `dataset` (None for the average) and `n_datasets`.
    PSCP is filled over the given rows only: call `fill_pscp` on the whole comparison."""
    groups: dict[tuple, list[RunRecord]] = defaultdict(list)
    for r in ok_runs(records):
        ds = r.dataset if per_dataset else None
        groups[(r.model, r.method, r.seed, ds)].append(r)
    rows = []
    for (_, _, seed, ds), runs in sorted(groups.items(), key=lambda kv: str(kv[0])):
        row = row_json(build_board(runs, scoring, uncertainty=False).rows[0])
        row.update(seed=seed, dataset=ds, n_datasets=len({r.dataset for r in runs}))
        rows.append(row)
    fill_pscp(rows, scoring)
    return rows


def fill_pscp(rows: Sequence[dict[str, Any]], scoring: ScoringSettings) -> None:
    """(Re)compute both PSCP forms with maxima over all `rows` of the same model and dataset
    (dataset None: the rows of averages), i.e. over the methods and seeds compared together."""
    groups: dict[tuple[str, str | None], list[dict]] = defaultdict(list)
    for row in rows:
        groups[(row["model"], row.get("dataset"))].append(row)
    for group in groups.values():
        add_pscp(group, scoring.pscp, scoring.pscp_paper)


def seed_stats(records: Sequence[RunRecord], scoring: ScoringSettings) -> dict[str, Any]:
    """Per (model, method): each dataset's score over seeds, and the average score and both PSCP
    forms over the seeds that cover every dataset of the method. Also the mean of the per-dataset
    standard deviations, the stability figure of the paper's seed table."""
    ok = ok_runs(records)
    scores: dict[tuple[str, str], dict[str, list[tuple[int, float]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    seeds: dict[tuple[str, str], set[int]] = defaultdict(set)
    for r in ok:
        scores[(r.model, r.method)][r.dataset].append((r.seed, r.score))
        seeds[(r.model, r.method)].add(r.seed)
    whole = defaultdict(list)
    for row in seed_rows(ok, scoring):
        n_ds = len(scores[(row["model"], row["method"])])
        if row["n_datasets"] == n_ds:
            whole[(row["model"], row["method"])].append(row)
    out = []
    for (model, method), per_ds in sorted(scores.items()):
        rows = whole[(model, method)]
        ds_stats = {
            d: summarize([v for _, v in sorted(pairs)]) for d, pairs in sorted(per_ds.items())
        }
        stds = [s.std for s in ds_stats.values() if s.std is not None]
        ds_seeds = {d: [seed for seed, _ in sorted(pairs)] for d, pairs in per_ds.items()}
        out.append(
            {
                "model": model,
                "method": method,
                "seeds": sorted(seeds[(model, method)]),
                "datasets": {d: {**s.as_dict(), "seeds": ds_seeds[d]} for d, s in ds_stats.items()},
                "score": _maybe(rows, "score"),
                "pscp": _maybe(rows, "pscp"),
                "pscp_paper": _maybe(rows, "pscp_paper"),
                "mean_std": sum(stds) / len(stds) if stds else None,
            }
        )
    return {
        "rows": out,
        "datasets": sorted({r.dataset for r in ok}),
        "max_seeds": max((len(s) for s in seeds.values()), default=0),
        "note": "mean ± sample std over seeds; 95% CI from Student's t; a seed's average and "
        "PSCP count only when it covers every dataset of the method; per-seed seed-form PSCP "
        "uses maxima over all per-seed rows of the model",
    }


def _maybe(rows: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    """Summary of `key` over per-seed rows, with the seeds in the order of its values; None when
    there is nothing to summarise (no rows, or a baseline's PSCP, which is not computed)."""
    if not rows or any(r[key] is None for r in rows):
        return None
    rows = sorted(rows, key=lambda r: r["seed"])
    return {**summarize([r[key] for r in rows]).as_dict(), "seeds": [r["seed"] for r in rows]}
