"""A row's latency figures (board/latency.py) are what the board's types and schema say."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from peftbench.board.build import build_board
from peftbench.board.latency import row_latency
from peftbench.board.model import LatencyReference
from peftbench.board.serialise import to_json
from peftbench.config.schema import ScoringSettings
from peftbench.efficiency.figures import Measured
from peftbench.results.record import Efficiency, Metrics, RunConfig, RunRecord, Status

DOC = Path(__file__).resolve().parents[2] / "docs" / "leaderboard.schema.json"


def _record(method: str, pairs: int) -> RunRecord:
    run_id = f"tiny__toy__{method}"
    base, adapted = [10.0] * pairs, [11.0] * pairs
    return RunRecord(
        run_id,
        Path(run_id),
        status=Status(status="ok", run_id=run_id, score=50.0),
        config=RunConfig(run_id, "tiny", method, "toy", 42),
        metrics=Metrics(score=50.0, metric="accuracy"),
        efficiency=Efficiency(
            trainable_params=1000,
            trainable_pct=1.0,
            latency_ms_per_token=11.0,
            slowdown_pct=10.0,
            peak_train_mem_mb=10.0,
            base_latency_ms_per_token=10.0,
            measured=Measured.read(
                {
                    "base_latency_samples_ms": base,
                    "latency_samples_ms": adapted,
                    "latency_max_halfwidth_pp": 3.0,
                    "latency_pairs": pairs,
                }
            ),
        ),
    )


def test_too_few_pairs_give_no_interval_not_a_pair_of_nulls() -> None:
    """3 pairs have no 95 % interval for the median: the row's interval is missing (null), as
    the schema's [low, high] or null says; it was [null, null], which the schema rejects."""
    reference = LatencyReference(ms_per_token=10.0, base_measurements=1)
    few = row_latency([_record("few", 3)], reference)
    assert few["slowdown_ci_pct"] is None and few["slowdown_pairs"] == 3 and few["latency_wide"]
    enough = row_latency([_record("enough", 7)], reference)
    assert enough["slowdown_ci_pct"] == pytest.approx((10.0, 10.0))


def test_a_board_with_too_few_pairs_validates() -> None:
    board = to_json(build_board([_record("few", 3), _record("enough", 7)], ScoringSettings()))
    plain = json.loads(json.dumps(board))
    validator = jsonschema.Draft202012Validator(json.loads(DOC.read_text()))
    assert [e.message for e in validator.iter_errors(plain)] == []
    rows = {r["method"]: r for r in plain["rows"]}
    assert rows["few"]["slowdown_ci_pct"] is None
    assert rows["enough"]["slowdown_ci_pct"] == pytest.approx([10.0, 10.0])
