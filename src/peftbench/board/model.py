"""The board: everything a leaderboard, a report or a comparison shows, as frozen typed data.

Built once by `board.build.build_board` from the typed run records and the scoring settings, and
never changed afterwards: every renderer (reports/formats/) and every reader of
`leaderboard.json` sees the same values. Field names are the keys of `leaderboard.json`
(`board.serialise.to_json`), whose JSON Schema (docs/leaderboard.schema.json) is generated from
these classes (`board.schema`), so a field added here is a field documented there.

Statistics that the robust-ranking work (issue 22) replaces slot in per row (`best_set`, the
`*_rank` intervals, `scores_ci`/`score_ci` as [low, high], asymmetric allowed) and per board
(`uncertainty.noise`: which noise the marks and intervals include).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

SCHEMA_VERSION = 1

Json: TypeAlias = bool | int | float | str | list["Json"] | dict[str, "Json"] | None
# [low, high]: an interval (scores in points, percentages in pp); lists in the JSON
Pair: TypeAlias = tuple[float, float]
Ranks: TypeAlias = tuple[int, int]
# a tie mark: "best", "tie" (not significantly different from the best) or None
TieLabel: TypeAlias = Literal["best", "tie"] | None


@dataclass(frozen=True)
class Estimate:
    """A point estimate and its 95 % interval."""

    estimate: float
    low: float
    high: float
    half_width: float


@dataclass(frozen=True)
class Gap:
    """a - b on the same items: estimate, interval and p-value of a paired test."""

    estimate: float
    low: float
    high: float
    p_value: float
    test: str
    significant: bool


@dataclass(frozen=True)
class Mark:
    """A method's standing against the best of its comparison (`gap`: best - this method)."""

    best: str
    is_best: bool
    tied: bool
    gap: Gap | None


@dataclass(frozen=True)
class RowStats:
    """The full comparison behind a row's marks, for the JSON report."""

    intervals: Mapping[str, Estimate | None]
    score_interval: Estimate | None
    ties: Mapping[str, Mark | None]
    score_tie: Mark | None
    vs_reference: Gap | None
    pscp_ties: Mapping[str, Mark | None]
    pscp_ranks: Mapping[str, Ranks]


@dataclass(frozen=True)
class BestSet:
    """Is the row in the set of methods that may be the best (today: best or tied with it), on
    the average score, each dataset and both PSCP forms."""

    score: bool
    scores: Mapping[str, bool]
    pscp: bool
    pscp_paper: bool


@dataclass(frozen=True)
class Costs:
    """Efficiency figures the ranked columns leave out (medians over the row's runs)."""

    flops: float | None
    flops_tokens: float | None
    adapter_bytes: float | None
    train_seconds: float | None
    tokens_per_second: float | None
    prefill_ms: float | None
    memory_kind: tuple[str, ...]
    device: tuple[str, ...]


@dataclass(frozen=True)
class LearningRate:
    """Where a row's learning rate came from when a search chose it (suite setting `selection`,
    docs/tuning.md): the rate each dataset's runs trained at, the preset the grid was centred
    on, and what the search cost: `trials` per search (the same for every trained method),
    `searches` run for the row (one per dataset and model; seeds share one), and the seconds
    all of them took (their trials' training and dev scoring)."""

    chosen: Mapping[str, float]
    preset: float
    trials: int
    searches: int
    seconds: float


@dataclass(frozen=True)
class Row:
    """One (model, method): S = `score`, P = `trainable_params`, L = `latency_ms_per_token`,
    M = `peak_train_mem_mb`, F = `extra_tflops`, R = `retention_delta` (docs/measurements.md),
    both PSCP forms, the uncertainty of each and the costs."""

    model: str
    method: str
    baseline: bool
    complete: bool
    runs: int
    scores: Mapping[str, float | None]
    score: float
    trainable_params: int
    trainable_pct: float
    peak_train_mem_mb: float
    extra_tflops: float
    invalid_rate: float
    retention_delta: float | None
    retention_ci95: Pair | None
    ppl_delta_pct: float | None
    kl_mean: float | None
    latency_ms_per_token: float
    slowdown_pct: float
    slowdown_ci_pct: Pair | None
    slowdown_halfwidth_pp: float | None
    slowdown_pairs: int | None
    latency_wide: bool
    latency_allowed_halfwidth_pp: float
    pscp: float | None
    pscp_paper: float | None
    reference: str | None
    scores_ci: Mapping[str, Pair | None]
    score_ci: Pair | None
    ties: Mapping[str, TieLabel]
    tie: TieLabel
    pscp_tie: TieLabel
    pscp_paper_tie: TieLabel
    pscp_rank: Ranks | None
    pscp_paper_rank: Ranks | None
    best_set: BestSet
    vs_reference: Gap | None
    stats: RowStats | None
    costs: Costs
    # the learning-rate search behind the row; None: its runs trained at the preset rate
    learning_rate: LearningRate | None = None


@dataclass(frozen=True)
class Failure:
    run_id: str
    error: str | None
    method: str
    dataset: str
    seed: int


@dataclass(frozen=True)
class Damage:
    """A damaged record (its cell is known) or a damaged file of the folder (`run_id` None)."""

    run_id: str
    file: str
    reason: str
    method: str
    dataset: str
    seed: int


@dataclass(frozen=True)
class DamagedFile:
    file: str
    reason: str


@dataclass(frozen=True)
class LatencyReference:
    """A model's reference base latency: the median of its distinct paired runs' base figures."""

    ms_per_token: float | None
    base_measurements: int


@dataclass(frozen=True)
class Top:
    """The top PEFT method of a model under one weight profile, per PSCP form."""

    pscp: str | None
    pscp_paper: str | None


@dataclass(frozen=True)
class Outside:
    model: str
    method: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class RowKey:
    model: str
    method: str


@dataclass(frozen=True)
class Limits:
    """The user's limits (scoring/constraints.py), the rows within them and those outside."""

    limits: Mapping[str, float | None]
    described: str
    within: tuple[RowKey, ...]
    outside: tuple[Outside, ...]


@dataclass(frozen=True)
class SensitivityForm:
    """One PSCP form's weight grid: the top method under every combination of weights."""

    varied: tuple[str, ...]
    values: tuple[float, ...]
    settings: Mapping[str, float]
    default_top: str | None
    tops: Mapping[str, int]
    top_changes: bool
    # one entry per combination: the varied weights, "top", "ranking" and "scores"
    table: tuple[Mapping[str, Json], ...]
    formula: str | None = None
    retention: SensitivityForm | None = None


@dataclass(frozen=True)
class Sensitivity:
    pscp: SensitivityForm
    pscp_paper: SensitivityForm


@dataclass(frozen=True)
class Formulas:
    pscp: str
    pscp_paper: str


@dataclass(frozen=True)
class Weights:
    pscp: Mapping[str, float]
    pscp_paper: Mapping[str, float]


@dataclass(frozen=True)
class Uncertainty:
    """How the intervals and marks were made, and (`noise`) which noise they include: a reader
    must not take a mark for more than that noise."""

    test: str
    replicates: int
    confidence: float
    seed: int
    references: Mapping[str, str | None]
    note: str
    ties: str
    noise: tuple[str, ...]


@dataclass(frozen=True)
class Board:
    """The leaderboard of a set of records under one scoring (see the module docstring)."""

    schema_version: int
    datasets: tuple[str, ...]
    rows: tuple[Row, ...]
    failed: tuple[Failure, ...]
    damaged: tuple[Damage, ...]
    damaged_files: tuple[DamagedFile, ...]
    missing: tuple[str, ...]
    ignored: tuple[str, ...]
    notes: tuple[str, ...]
    formulas: Formulas
    scoring: Weights
    task_metric: str
    sensitivity: Mapping[str, Sensitivity]
    latency_reference: Mapping[str, LatencyReference]
    profile: str | None
    profiles: Mapping[str, Mapping[str, Top]]
    constraints: Limits | None
    uncertainty: Uncertainty | None
