"""Retention and drift reach the one leaderboard: per-row means, the combined interval, the
text columns, the record part read back from disk, and forgetting entering PSCP when weighted."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from peftbench.board.build import build_board
from peftbench.board.serialise import to_json
from peftbench.config.schema import PscpSeedSettings, ScoringSettings
from peftbench.reports import leaderboard
from peftbench.results.record import (
    Efficiency,
    Metrics,
    RunConfig,
    RunRecord,
    Stability,
    Status,
    read_run,
)


def board_json(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """The board of `build_board(...)` as leaderboard.json holds it."""
    return to_json(build_board(*args, **kwargs))


def _stability(delta: float, half: float, ppl_pct: float) -> Stability:
    return Stability(
        drift={
            "ppl_base": 10.0,
            "ppl": 10.0 * (1 + ppl_pct / 100),
            "ppl_delta_pct": ppl_pct,
            "kl_mean": 0.1,
        },
        retention={"delta": delta, "ci95": [delta - half, delta + half]},
    )


def _record(method: str, dataset: str, stability: Stability | None) -> RunRecord:
    run_id = f"tiny__{dataset}__{method}"
    return RunRecord(
        run_id,
        Path(run_id),
        status=Status(status="ok", run_id=run_id, score=60.0),
        config=RunConfig(run_id, "tiny", method, dataset, 42),
        metrics=Metrics(score=60.0, metric="accuracy"),
        efficiency=Efficiency(
            trainable_params=100,
            trainable_pct=1.0,
            latency_ms_per_token=10.0,
            slowdown_pct=0.0,
            peak_train_mem_mb=0.0,
            extra_tflops=0.0,
        ),
        stability=stability,
    )


def test_row_means_and_combined_interval_by_hand() -> None:
    records = [
        _record("lora", "a", _stability(-4.0, 3.0, 2.0)),
        _record("lora", "b", _stability(-2.0, 4.0, 6.0)),
        _record("frozen", "a", _stability(0.0, 0.0, 0.0)),
        _record("frozen", "b", None),  # an older record without stability
    ]
    board = build_board(records, ScoringSettings())
    rows = {r["method"]: r for r in to_json(board)["rows"]}
    lora = rows["lora"]
    assert lora["retention_delta"] == -3.0
    # records without per-item retention scores: the runs share items and base answers, so
    # their half-widths are averaged (as if perfectly correlated: never narrower than the truth)
    half = (3.0 + 4.0) / 2
    assert lora["retention_ci95"] == pytest.approx([-3.0 - half, -3.0 + half])
    assert lora["ppl_delta_pct"] == 4.0
    assert rows["frozen"]["retention_delta"] == 0.0
    assert rows["frozen"]["retention_ci95"] == [0.0, 0.0]
    text = leaderboard.render(board)
    assert "Δ general [95% CI]" in text and "-3.0 [-6.5, +0.5]" in text and "+4.0" in text


def _items(base: list[float], adapted: list[float]) -> Stability:
    delta = sum(adapted) / len(adapted) - sum(base) / len(base)
    task = {"delta": delta, "item_scores": {"base": base, "adapted": adapted}}
    return Stability(
        retention={"delta": delta, "ci95": [delta - 9, delta + 9], "tasks": {"g": task}}
    )


def test_runs_with_item_scores_combine_by_a_joint_bootstrap() -> None:
    """Two runs on the same 40 general items: the row's interval comes from one item draw
    shared by both runs (board/stability.py), not from the runs' own intervals (here +-9)."""
    base = [100.0 * (i % 2) for i in range(40)]  # 50 %
    one = [100.0 * (i % 2 or i % 8 == 0) for i in range(40)]  # +12.5: gains 5 items
    two = [100.0 * (i % 2 and i % 10 != 1) for i in range(40)]  # -10: loses 4 items
    records = [_record("lora", "a", _items(base, one)), _record("lora", "b", _items(base, two))]
    (row,) = board_json(records, ScoringSettings())["rows"]
    assert row["retention_delta"] == pytest.approx(1.25)
    low, high = row["retention_ci95"]
    assert low < 1.25 < high and high - low < 18.0  # narrower than the fallback's +-9


def test_forgetting_enters_pscp_only_when_weighted() -> None:
    records = [
        _record("forgets", "a", _stability(-20.0, 1.0, 0.0)),
        _record("keeps", "a", _stability(0.0, 1.0, 0.0)),
    ]
    plain = {r["method"]: r["pscp"] for r in board_json(records, ScoringSettings())["rows"]}
    assert plain["forgets"] == plain["keeps"]
    weighted = ScoringSettings(pscp=PscpSeedSettings(r=1.0))
    got = {r["method"]: r["pscp"] for r in board_json(records, weighted)["rows"]}
    assert got["forgets"] == pytest.approx(plain["forgets"] * math.exp(-1.0))
    assert got["keeps"] == pytest.approx(plain["keeps"])


def test_stability_part_round_trips_and_damage_is_named(tmp_path: Path) -> None:
    rec = _record("lora", "a", _stability(-1.0, 2.0, 3.0))
    run = tmp_path / rec.run_id  # a record's folder is named by its run id (cross-checked)
    run.mkdir()
    parts = [rec.status, rec.config, rec.metrics, rec.efficiency, rec.stability]
    for part in parts:
        assert part is not None
        (run / part.FILE).write_text(json.dumps(part.to_json()))
    (run / "provenance.json").write_text("{}")
    back = read_run(run)
    assert back.ok and back.stability == rec.stability
    (run / Stability.FILE).write_text('{"drift": {"ppl": 1}')
    damaged = read_run(run)
    assert damaged.state == "damaged" and damaged.damage is not None
    assert damaged.damage.file == "stability.json"


def test_report_view_gain_front_and_overshoot() -> None:
    from dataclasses import replace

    from peftbench.reports.retention import (
        curve_table,
        learning_curve_figures,
        retention_data,
        retention_table,
        stability_plasticity_figure,
    )

    curve = {
        "points": [
            {"step": 10, "dev_score": 40.0, "dev_loss": 1.0},
            {"step": 20, "dev_score": 70.0, "dev_loss": 0.5},
            {"step": 30, "dev_score": 50.0, "dev_loss": 0.7},
        ],
        "best_step": 20,
        "best_dev_score": 70.0,
        "final_dev_score": 50.0,
        "overshoot": True,
    }
    lora = _record("lora", "a", _stability(-4.0, 3.0, 2.0))
    assert lora.metrics is not None
    lora = replace(lora, metrics=replace(lora.metrics, score=80.0, learning_curve=curve))
    frozen = _record("frozen", "a", _stability(0.0, 0.0, 0.0))
    data = retention_data(build_board([lora, frozen], ScoringSettings()), [lora, frozen])
    rows = {r["method"]: r for r in data["rows"]}
    assert rows["lora"]["gain"] == 20.0 and rows["frozen"]["gain"] == 0.0  # vs the untrained row
    table = retention_table(data)
    assert table is not None and ["lora", "+20.0", "-4.0", "[-7.0, -1.0]"] == table.rows[0][:4]
    assert "overshoot) in 1: lora on a" in table.notes[1]
    curves = curve_table(data)
    assert curves is not None and curves.rows[0][-1] == "yes"
    svg_text = stability_plasticity_figure(data, {})
    assert svg_text is not None and svg_text.count('class="front-ring"') == 2  # both on the front
    ((title, chart),) = learning_curve_figures(data, {})
    assert title == "Learning curves: a" and "lora (overshoot)" in chart
