"""The PSCP sensitivity table against hand-computed rankings, and its place in the leaderboard."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from peftbench.board.build import build_board
from peftbench.board.serialise import to_json
from peftbench.config.schema import PscpPaperSettings, PscpSeedSettings, ScoringSettings
from peftbench.reports import leaderboard
from peftbench.results.record import Efficiency, Metrics, RunConfig, RunRecord, Status
from peftbench.scoring.pscp import PAPER_FORMULA, SEED_FORMULA
from peftbench.scoring.sensitivity import sensitivity, summary


def board_json(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """The board of `build_board(...)` as leaderboard.json holds it."""
    return to_json(build_board(*args, **kwargs))


def row(method: str, score: float, params: float, lat: float = 10.0, mem: float = 0.0) -> dict:
    return {
        "method": method,
        "score": score,
        "trainable_params": params,
        "latency_ms_per_token": lat,
        "peak_train_mem_mb": mem,
        "extra_tflops": 0.0,
    }


def test_paper_form_top_changes_with_the_parameter_exponent() -> None:
    # big: 80 * (1 + 5e8/5e8)^-bp = 80 * 2^-bp -> 56.6 (bp 0.5), 40 (1), 20 (2); small: 50 always
    rows = [row("big", 80, 5e8), row("small", 50, 0)]
    got = sensitivity(rows, PscpSeedSettings(), PscpPaperSettings())["pscp_paper"]
    assert len(got["table"]) == 27 and got["values"] == [0.5, 1.0, 2.0]
    for entry in got["table"]:
        assert entry["top"] == ("big" if entry["bp"] == 0.5 else "small")
        assert entry["scores"]["big"] == pytest.approx(80 * 2 ** -entry["bp"])
        assert entry["scores"]["small"] == pytest.approx(50)
    assert got["tops"] == {"small": 18, "big": 9}
    assert got["top_changes"] is True
    assert got["default_top"] == "small"  # paper default bp = 2


def test_seed_form_top_changes_with_the_parameter_weight() -> None:
    # Pmax = 100, equal latency, no memory: big = 100 e^(-a-b), small = 50 e^(-b)
    # big wins iff a < ln 2 = 0.69, i.e. only for a = 0.5
    rows = [row("big", 100, 100), row("small", 50, 0)]
    got = sensitivity(rows, PscpSeedSettings(), PscpPaperSettings())["pscp"]
    entry = next(e for e in got["table"] if (e["a"], e["b"], e["g"]) == (0.5, 1.0, 2.0))
    assert entry["scores"]["big"] == pytest.approx(100 * math.exp(-1.5))
    assert entry["scores"]["small"] == pytest.approx(50 * math.exp(-1.0))
    assert entry["ranking"] == ["big", "small"]
    assert got["tops"] == {"small": 18, "big": 9} and got["top_changes"] is True


def test_a_dominant_method_is_reported_stable_with_formula_and_constants() -> None:
    rows = [row("best", 90, 10), row("worse", 40, 1e9, lat=20, mem=4096)]
    paper = PscpPaperSettings(cp=1e8)
    got = sensitivity(rows, PscpSeedSettings(), paper)
    for form, formula in (("pscp", SEED_FORMULA), ("pscp_paper", PAPER_FORMULA)):
        assert got[form]["top_changes"] is False and got[form]["tops"] == {"best": 27}
        assert got[form]["formula"] == formula
    assert got["pscp_paper"]["settings"]["cp"] == 1e8
    assert got["pscp_paper"]["varied"] == ["bp", "bf", "bm"]
    assert "top method stable" in summary(got)


def test_ties_break_by_name_so_the_table_is_deterministic() -> None:
    got = sensitivity([row("b", 50, 0), row("a", 50, 0)], PscpSeedSettings(), PscpPaperSettings())
    assert {e["top"] for e in got["pscp_paper"]["table"]} == {"a"}


def _record(method: str, score: float, params: int, dataset: str = "toy") -> RunRecord:
    run_id = f"tiny__{dataset}__{method}"
    return RunRecord(
        run_id,
        Path(run_id),
        status=Status(status="ok", run_id=run_id, score=score),
        config=RunConfig(run_id, "tiny", method, dataset, 42),
        metrics=Metrics(score=score, metric="accuracy"),
        efficiency=Efficiency(
            trainable_params=params,
            trainable_pct=1.0,
            latency_ms_per_token=10.0,
            slowdown_pct=0.0,
            peak_train_mem_mb=0.0,
            extra_tflops=0.0,
        ),
    )


def test_leaderboard_carries_the_sensitivity_result() -> None:
    records = [_record("big", 80, 500_000_000), _record("small", 50, 0)]
    board = build_board(records, ScoringSettings())
    sens = to_json(board)["sensitivity"]["tiny"]
    assert sens["pscp_paper"]["top_changes"] is True
    assert sens["pscp_paper"]["tops"] == {"small": 18, "big": 9}
    text = leaderboard.render(board)
    assert "tiny: pscp_paper sensitivity (bp/bf/bm in 0.5/1/2): TOP METHOD CHANGES" in text


def test_retention_table_shows_when_counting_forgetting_changes_the_top() -> None:
    keeps = {**row("keeps", 60, 100), "retention_delta": 0.0}
    forgets = {**row("forgets", 62, 100), "retention_delta": -30.0}
    got = sensitivity([keeps, forgets], PscpSeedSettings(), PscpPaperSettings())
    for form in ("pscp", "pscp_paper"):
        ret = got[form]["retention"]
        assert len(ret["table"]) == 4  # the retention weight in 0, 0.5, 1, 2
        assert ret["table"][0]["top"] == "forgets"  # weight 0: forgetting not counted
        assert ret["table"][-1]["top"] == "keeps"
        assert ret["top_changes"]


def test_a_method_missing_a_dataset_is_shown_but_neither_ranked_nor_top() -> None:
    """`partial` scores 90 on the one task it ran (the others' mean is over two tasks): it is
    listed after the complete methods and wins no sensitivity cell or profile."""
    records = [
        *(_record(m, s, 0, d) for m, s in (("a", 60), ("b", 50)) for d in ("toy", "toy2")),
        _record("partial", 90, 0, "toy"),
    ]
    board = build_board(records, ScoringSettings())
    plain = to_json(board)
    assert [r["method"] for r in plain["rows"]] == ["a", "b", "partial"]
    assert plain["sensitivity"]["tiny"]["pscp"]["tops"] == {"a": 27}
    assert {t["pscp"] for t in plain["profiles"]["tiny"].values()} == {"a"}
    assert "partial (partial)" in leaderboard.render(board)


def test_baselines_only_say_there_is_nothing_to_rank() -> None:
    text = leaderboard.render(build_board([_record("frozen", 40, 0)], ScoringSettings()))
    assert "no PEFT method with every dataset to rank" in text
    assert "None" not in text
