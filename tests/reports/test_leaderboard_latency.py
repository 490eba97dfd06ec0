"""The leaderboard's latency: reference base latency x (1 + paired slowdown), never the moment.

Two methods measured at different moments of machine load: `slow` ran while the machine was
quiet (base 10 ms/token) and costs +10 % over the base in its pairs; `fast` ran under load (base
20 ms/token, its own figure 20 ms) and costs nothing extra. Reading raw figures would rank
`slow` (11 ms) ahead of `fast` (20 ms); the leaderboard must put both on the grid's reference
(median of the base figures, 15 ms) and keep the true order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from peftbench.board.build import build_board
from peftbench.board.serialise import to_json
from peftbench.config.schema import ScoringSettings
from peftbench.efficiency.figures import Measured
from peftbench.reports import leaderboard
from peftbench.results.record import Efficiency, Metrics, RunConfig, RunRecord, Status


def board_json(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """The board of `build_board(...)` as leaderboard.json holds it."""
    return to_json(build_board(*args, **kwargs))


def _record(
    method: str,
    base: list[float],
    adapted: list[float],
    dataset: str = "toy",
    extra: dict[str, str] | None = None,
) -> RunRecord:
    run_id = f"tiny__{dataset}__{method}"
    return RunRecord(
        run_id,
        Path(run_id),
        status=Status(status="ok", run_id=run_id, score=50.0),
        config=RunConfig(run_id, "tiny", method, dataset, 42),
        metrics=Metrics(score=50.0, metric="accuracy"),
        efficiency=Efficiency(
            trainable_params=1000,
            trainable_pct=1.0,
            latency_ms_per_token=sorted(adapted)[len(adapted) // 2],
            slowdown_pct=0.0,
            peak_train_mem_mb=10.0,
            base_latency_ms_per_token=sorted(base)[len(base) // 2],
            measured=Measured.read(
                {
                    "base_latency_samples_ms": base,
                    "latency_samples_ms": adapted,
                    "latency_max_halfwidth_pp": 3.0,
                    "latency_pairs": len(base),
                    **(extra or {}),
                }
            ),
        ),
    )


def test_latency_is_reference_base_times_paired_slowdown() -> None:
    slow = _record("slow", [10.0] * 7, [11.0] * 7)
    fast = _record("fast", [20.0] * 7, [20.0] * 7)
    board = board_json([slow, fast], ScoringSettings())
    assert board["latency_reference"]["tiny"] == {"ms_per_token": 15.0, "base_measurements": 2}
    rows = {r["method"]: r for r in board["rows"]}
    assert rows["slow"]["latency_ms_per_token"] == pytest.approx(16.5)
    assert rows["fast"]["latency_ms_per_token"] == pytest.approx(15.0)
    assert rows["slow"]["slowdown_pct"] == pytest.approx(10.0)
    assert rows["slow"]["slowdown_ci_pct"] == pytest.approx([10.0, 10.0])
    assert rows["slow"]["slowdown_pairs"] == 7 and not rows["slow"]["latency_wide"]


def test_a_wide_slowdown_interval_is_flagged_in_the_board_and_its_text() -> None:
    noisy = _record("noisy", [10.0] * 6, [8.0, 9.0, 10.0, 11.0, 12.0, 13.0])  # -20 .. +30 %
    few = _record("few", [10.0] * 3, [10.0] * 3)  # 3 pairs: no 95 % interval at all
    board = build_board([noisy, few], ScoringSettings())
    rows = {r["method"]: r for r in to_json(board)["rows"]}
    assert rows["noisy"]["slowdown_halfwidth_pp"] == pytest.approx(25.0)
    assert rows["noisy"]["latency_wide"] and rows["few"]["latency_wide"]
    assert rows["few"]["slowdown_ci_pct"] is None  # no interval: null, not [null, null]
    text = leaderboard.render(board)
    assert "+5.0±25.0 (1 run)!" in text and "reference base latency" in text
    assert rows["noisy"]["latency_runs"] == 1
    assert rows["noisy"]["latency_noise"] == "one latency run: run-to-run variance not included"


def test_a_reused_latency_run_is_pooled_once() -> None:
    """Latency reuse copies one paired run into later cells of the same method; pooling the
    copies would count its pairs twice and halve nothing but the interval's honesty."""
    first = _record("lora", [10.0] * 6, [10.0, 10.5, 11.0, 11.5, 12.0, 12.5])
    copy = _record(
        "lora",
        [10.0] * 6,
        [10.0, 10.5, 11.0, 11.5, 12.0, 12.5],
        "toy2",
        {"latency_reused_from": first.run_id},
    )
    board = board_json([first, copy], ScoringSettings())
    (row,) = board["rows"]
    assert row["runs"] == 2 and row["slowdown_pairs"] == 6
    assert board["latency_reference"]["tiny"]["base_measurements"] == 1


def test_distinct_runs_give_a_run_level_slowdown() -> None:
    """Two datasets timed separately are two independent latency runs (each median ratio 1.1):
    the run-level t interval (sd 0 here) is widened to contain the pooled pairs' interval
    (ratios 1.1 1.1 1.2 1.1 1.05 1.1: [5, 20])."""
    a = _record("lora", [10.0] * 3, [11.0, 11.0, 12.0])
    b = _record("lora", [20.0] * 3, [22.0, 21.0, 22.0], "toy2")
    board = board_json([a, b], ScoringSettings())
    (row,) = board["rows"]
    assert row["slowdown_pairs"] == 6 and row["slowdown_pct"] == pytest.approx(10.0)
    assert row["slowdown_ci_pct"] == pytest.approx([5.0, 20.0])


def test_run_to_run_variation_widens_the_slowdown_interval() -> None:
    """Three runs whose pairs are tight (+-0.5 %) but whose levels differ (+5, +10, +15 %): the
    pooled pairs alone would claim about +-5 points; over the runs (t with 2 df) it is wider,
    and the board says the interval counts run-to-run variance."""
    runs = [
        _record(
            "lora", [10.0] * 8, [10.0 * (1 + lvl) * (1 + 0.005 * (i % 3 - 1)) for i in range(8)], d
        )
        for lvl, d in ((0.05, "a"), (0.10, "b"), (0.15, "c"))
    ]
    (row,) = board_json(runs, ScoringSettings())["rows"]
    assert row["latency_runs"] == 3 and "run-to-run" in row["latency_noise"]
    low, high = row["slowdown_ci_pct"]
    assert low < 0.0 and high > 20.0  # 10 +- 4.30 * 5 / sqrt(3) on the log scale
