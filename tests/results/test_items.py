"""Per-item scores: what evaluation records per item, and the bootstrap sample read back from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peftbench.metrics import METRICS
from peftbench.results.items import item_sample
from peftbench.scoring.intervals import CorpusItems, MeanItems


def write(run: Path, rows: list[dict]) -> Path:
    run.mkdir(parents=True, exist_ok=True)
    (run / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return run


def test_mean_metrics_score_each_item_once() -> None:
    value, items = METRICS.get("accuracy").score(["a", None, "b", "b"], ["a", "a", "b", "c"])
    assert items == [100.0, 0.0, 100.0, 0.0] and value == 50.0
    value, items = METRICS.get("numeric_accuracy").score(["5.0", "x"], ["5", "6"])
    assert items == [100.0, 0.0] and value == 50.0
    value, items = METRICS.get("f1_macro").score(["a", "b"], ["a", "a"])
    assert items is None  # a whole-set metric has no per-item scores
    assert value == METRICS.get("f1_macro")(["a", "b"], ["a", "a"])


def test_mean_metrics_equal_the_mean_of_their_items() -> None:
    for name in ("accuracy", "exact_match", "numeric_accuracy"):
        m = METRICS.get(name)
        preds, golds = ["1", "2", None, "4"], ["1", "3", "3", "4.0"]
        value, items = m.score(preds, golds)
        assert items is not None
        assert value == pytest.approx(sum(items) / len(items)) == pytest.approx(m(preds, golds))


def test_sample_from_recorded_item_scores(tmp_path: Path) -> None:
    run = write(
        tmp_path / "r",
        [
            {"id": "b", "parsed": "x", "gold": "x", "scores": {"accuracy": 100.0}},
            {"id": "a", "parsed": "y", "gold": "x", "scores": {"accuracy": 0.0}},
        ],
    )
    sample = item_sample(run, "accuracy")
    assert isinstance(sample, MeanItems)
    assert sample.ids == ("b", "a") and sample.value() == 50.0


def test_whole_set_metric_is_recomputed_from_parsed_and_gold(tmp_path: Path) -> None:
    rows = [
        {"id": str(i), "parsed": p, "gold": g, "scores": {}}
        for i, (p, g) in enumerate([("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")])
    ]
    sample = item_sample(write(tmp_path / "r", rows), "mcc")
    assert isinstance(sample, CorpusItems)
    assert sample.value() == pytest.approx(100 * 4 / 48**0.5)


def test_no_sample_without_data_to_resample(tmp_path: Path) -> None:
    assert item_sample(tmp_path / "nothing", "accuracy") is None
    digest = {"sha256": "0" * 64, "chars": 5000, "head": "{"}
    run = write(tmp_path / "big", [{"id": "0", "parsed": "code", "gold": digest}])
    assert item_sample(run, "codebleu") is None
    dup = write(tmp_path / "dup", [{"id": "0", "parsed": "a", "gold": "a"}] * 2)
    assert item_sample(dup, "accuracy") is None


@pytest.mark.parametrize(
    "rows",
    [
        [{}],  # valid JSON, no id (was a KeyError traceback in show/report)
        [{"id": 1, "scores": {"accuracy": 100.0}}, {"scores": {"accuracy": 0.0}}],
        [{"id": 1, "scores": {"accuracy": "x"}}],
        [{"id": 1, "scores": {"accuracy": None}}],
        [{"id": 1, "scores": 5}],
        [{"id": 1, "scores": [1]}],
    ],
)
def test_damaged_rows_give_no_sample(tmp_path: Path, rows: list[dict]) -> None:
    assert item_sample(write(tmp_path / "run", rows), "accuracy") is None
