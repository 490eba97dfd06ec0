"""A row's inputs before the board freezes them: the typed mappings board/rows.py builds.

They are mappings, not frozen rows, because scoring/ reads them by row key (PSCP, sensitivity,
profiles, limits: `scoring.pscp.Figures`), as it reads a row of leaderboard.json; the board
fills in both PSCP forms over the rows of each model and then freezes every row into a
`board.model.Row`, whose fields these keys are (`Row(**inputs, ...)`).
"""

from __future__ import annotations

from typing import TypedDict

from peftbench.board.model import Pair


class LatencyFigures(TypedDict):
    """L of a row and the slowdown behind it (board/latency.py); None: not measured."""

    latency_ms_per_token: float | None
    slowdown_pct: float | None
    slowdown_ci_pct: Pair | None
    slowdown_halfwidth_pp: float | None
    slowdown_pairs: int | None
    latency_runs: int
    latency_noise: str | None
    latency_wide: bool
    latency_allowed_halfwidth_pp: float | None


class StabilityFigures(TypedDict):
    """R of a row and its drift (board/stability.py); None: not measured."""

    retention_delta: float | None
    retention_ci95: Pair | None
    ppl_delta_pct: float | None
    kl_mean: float | None


class RowInputs(LatencyFigures, StabilityFigures):
    """S P L M F R of one (model, method) and both PSCP forms (None until the board scores the
    model's rows, and for a baseline)."""

    model: str
    method: str
    baseline: bool
    scores: dict[str, float | None]
    score: float
    complete: bool
    runs: int
    trainable_params: int
    trainable_pct: float
    peak_train_mem_mb: float
    extra_tflops: float | None
    invalid_rate: float
    sources: tuple[str, ...]
    pscp: float | None
    pscp_paper: float | None
