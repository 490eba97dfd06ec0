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
from dataclasses import dataclass, field
from typing import TypedDict

from peftbench.board.build import build_board
from peftbench.board.serialise import row_json
from peftbench.config.schema import ScoringSettings
from peftbench.json_types import JSONObject
from peftbench.reports.stats import SeedSummaryJSON, summarize
from peftbench.results.record import RunRecord
from peftbench.scoring.pscp import add_pscp


class SeedRowStats(TypedDict):
    """One (model, method) over its seeds (`seed_stats`)."""

    model: str
    method: str
    seeds: list[int]
    datasets: dict[str, SeedSummaryJSON]
    score: SeedSummaryJSON | None
    pscp: SeedSummaryJSON | None
    pscp_paper: SeedSummaryJSON | None
    mean_std: float | None


class SeedStats(TypedDict):
    """What `seed_stats` returns: the report's "seeds" (reports/collect.py)."""

    rows: list[SeedRowStats]
    datasets: list[str]
    max_seeds: int
    note: str


@dataclass(frozen=True)
class SeedRow:
    """The leaderboard row of one (model, method, seed), of one dataset or of all. `values` is
    the row's JSON form (board/serialise.py), which scoring.pscp.add_pscp reads and fills: PSCP
    depends on the rows compared together, so it is (re)filled over them (`fill_pscp`)."""

    model: str
    method: str
    seed: int
    dataset: str | None  # None: the row of the average over datasets
    n_datasets: int
    values: JSONObject = field(repr=False)
    side: str = ""  # "new" or "base" in a comparison (reports/compare.py)

    def number(self, key: str) -> float | None:
        """A figure of the row (score, pscp, ...); None when not computed (a baseline's PSCP)."""
        value = self.values[key]
        if value is None:
            return None
        assert isinstance(value, int | float), f"{key} is {value!r}, not a number"
        return value


def ok_runs(records: Iterable[RunRecord]) -> list[RunRecord]:
    return [r for r in records if r.ok]


def seed_rows(
    records: Sequence[RunRecord], scoring: ScoringSettings, per_dataset: bool = False
) -> list[SeedRow]:
    """One row per (model, method, seed), or per (model, method, dataset, seed) with
    `per_dataset` (`dataset` None for the average). PSCP is filled over the given rows only:
    call `fill_pscp` on the whole comparison."""
    groups: dict[tuple[str, str, int, str | None], list[RunRecord]] = defaultdict(list)
    for r in ok_runs(records):
        ds = r.dataset if per_dataset else None
        groups[(r.model, r.method, r.seed, ds)].append(r)
    rows = []
    for (model, method, seed, ds), runs in sorted(groups.items(), key=lambda kv: str(kv[0])):
        values = row_json(build_board(runs, scoring, uncertainty=False).rows[0])
        n_datasets = len({r.dataset for r in runs})
        rows.append(SeedRow(model, method, seed, ds, n_datasets, {**values}))
    fill_pscp(rows, scoring)
    return rows


def fill_pscp(rows: Sequence[SeedRow], scoring: ScoringSettings) -> None:
    """(Re)compute both PSCP forms with maxima over all `rows` of the same model and dataset
    (dataset None: the rows of averages), i.e. over the methods and seeds compared together."""
    groups: dict[tuple[str, str | None], list[JSONObject]] = defaultdict(list)
    for row in rows:
        groups[(row.model, row.dataset)].append(row.values)
    for group in groups.values():
        add_pscp(group, scoring.pscp, scoring.pscp_paper)


def seed_stats(records: Sequence[RunRecord], scoring: ScoringSettings) -> SeedStats:
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
    whole: dict[tuple[str, str], list[SeedRow]] = defaultdict(list)
    for row in seed_rows(ok, scoring):
        n_ds = len(scores[(row.model, row.method)])
        if row.n_datasets == n_ds:
            whole[(row.model, row.method)].append(row)
    out: list[SeedRowStats] = []
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


def _maybe(rows: list[SeedRow], key: str) -> SeedSummaryJSON | None:
    """Summary of `key` over per-seed rows, with the seeds in the order of its values; None when
    there is nothing to summarise (no rows, or a baseline's PSCP, which is not computed)."""
    values = [(r.seed, r.number(key)) for r in sorted(rows, key=lambda r: r.seed)]
    picked = [v for _, v in values if v is not None]
    if not rows or len(picked) < len(values):
        return None
    return {**summarize(picked).as_dict(), "seeds": [seed for seed, _ in values]}
