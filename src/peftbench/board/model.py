"""The board: everything a leaderboard, a report or a comparison shows, as frozen typed data.

Built once by `board.build.build_board` from the typed run records and the scoring settings, and
never changed afterwards: every renderer (reports/formats/) and every reader of
`leaderboard.json` sees the same values. Field names are the keys of `leaderboard.json`
(`board.serialise.to_json`), whose JSON Schema (docs/leaderboard.schema.json) is generated from
these classes (`board.schema`), so a field added here is a field documented there.

Schema 2 (issue 22): the best `*` / tie `=` labels of schema 1 are gone; each ranked comparison
(every dataset, the average score, both PSCP forms, every weight profile and sensitivity setting)
has a 95 % confidence set for the best and simultaneous rank intervals (scoring/best_set.py), and
no best mark where no PEFT method beats the reference (`frozen`) beyond the noise (`rankings`).
Intervals are [low, high], asymmetric allowed (Wilson at the edges); `noise` says which noise they
include (one seed: eval-item noise only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

# 2: a figure a record's source never measured is null, never 0 (`latency_ms_per_token`,
# `slowdown_pct`, `extra_tflops` and their companions); rows name their `sources`; the board
# names the PSCP terms it left out per model (`pscp_left_out`)
# 3: a failure names its `model`; a slowdown without an interval is null, not [null, null]
SCHEMA_VERSION = 3

Json: TypeAlias = bool | int | float | str | list["Json"] | dict[str, "Json"] | None
# [low, high]: an interval (scores in points, percentages in pp); lists in the JSON
Pair: TypeAlias = tuple[float, float]
# [best, worst] rank, 1 = top: a simultaneous 95 % rank interval (scoring/best_set.py)
Ranks: TypeAlias = tuple[int, int]
# a PSCP term that may be left out, by the row field it reads: L (seed form) and F (paper form)
LeftOutTerm: TypeAlias = Literal["latency_ms_per_token", "extra_tflops"]


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
class RowStats:
    """The full comparison behind a row's marks, for the JSON report."""

    intervals: Mapping[str, Estimate | None]
    score_interval: Estimate | None
    vs_reference: Gap | None
    # on the average score, jointly with the model's other PEFT methods (None: no reference)
    beats_reference: bool | None
    seeds: int


@dataclass(frozen=True)
class BestSet:
    """Is the row in the 95 % confidence set for the best (the methods that may be best,
    jointly), on the average score, each dataset and both PSCP forms. False everywhere on a
    comparison where no PEFT method beats the reference beyond the noise."""

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
    both PSCP forms, the uncertainty of each and the costs.

    A figure none of the row's records measured (an imported record: HF peft's results have no
    latency or FLOPs) is None -- shown as missing, never as 0 -- and PSCP leaves its term out
    (`Board.pscp_left_out`). `sources`: who produced the row's figures ("peftbench", or the
    format its records were imported from, e.g. "hf-peft")."""

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
    extra_tflops: float | None
    invalid_rate: float
    retention_delta: float | None
    retention_ci95: Pair | None
    ppl_delta_pct: float | None
    kl_mean: float | None
    latency_ms_per_token: float | None
    slowdown_pct: float | None
    slowdown_ci_pct: Pair | None
    slowdown_halfwidth_pp: float | None
    slowdown_pairs: int | None
    # independent latency runs behind the slowdown, and what its interval counts
    latency_runs: int
    latency_noise: str | None
    latency_wide: bool
    latency_allowed_halfwidth_pp: float | None
    pscp: float | None
    pscp_paper: float | None
    reference: str | None
    scores_ci: Mapping[str, Pair | None]
    score_ci: Pair | None
    ranks: Mapping[str, Ranks | None]
    score_rank: Ranks | None
    pscp_rank: Ranks | None
    pscp_paper_rank: Ranks | None
    best_set: BestSet
    vs_reference: Gap | None
    noise: str | None
    stats: RowStats | None
    costs: Costs
    sources: tuple[str, ...]
    # the learning-rate search behind the row; None: its runs trained at the preset rate
    learning_rate: LearningRate | None = None


@dataclass(frozen=True)
class Failure:
    run_id: str
    error: str | None
    model: str
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
    """The top PEFT method of a model under one weight profile, per PSCP form, and the 95 %
    confidence set for the best under that profile (more than one: the call is inside the
    noise; empty: no PEFT method beats the reference, so no winner; None: no per-item data)."""

    pscp: str | None
    pscp_paper: str | None
    pscp_best_set: tuple[str, ...] | None
    pscp_paper_best_set: tuple[str, ...] | None


@dataclass(frozen=True)
class Ranked:
    """One ranked comparison of a model's PEFT methods: the 95 % confidence set for the best
    (empty when `winner` is False), the first step's critical value of the max-t (None: nothing
    comparable), whether a winner may be marked, and the methods that beat the reference
    beyond the noise (None: no reference in the comparison)."""

    best_set: tuple[str, ...]
    critical: float | None
    winner: bool
    beats_reference: tuple[str, ...] | None
    note: str | None


@dataclass(frozen=True)
class Rankings:
    """A model's ranked comparisons: per dataset, the average score, both PSCP forms."""

    scores: Mapping[str, Ranked]
    score: Ranked | None
    pscp: Ranked | None
    pscp_paper: Ranked | None


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
    # one entry per combination: the varied weights, "top", "ranking" and "scores", and (with
    # per-item data) "best_set" and "inside_noise": another method may be top there too
    table: tuple[Mapping[str, Json], ...]
    # how many combinations' top calls are inside the noise (None: no per-item data), and
    # whether the top changes between calls that are each beyond the noise
    inside_noise: int | None = None
    top_changes_beyond_noise: bool | None = None
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
    marks: str
    noise: tuple[str, ...]


@dataclass(frozen=True)
class Board:
    """The leaderboard of a set of records under one scoring (see the module docstring).
    `pscp_left_out`: per model whose PSCP left a term out because a contestant's records lack
    its figure (imported results), the row fields of those terms; models with every term are
    not listed."""

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
    pscp_left_out: Mapping[str, tuple[LeftOutTerm, ...]]
    rankings: Mapping[str, Rankings]
