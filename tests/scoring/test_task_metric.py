"""`scoring.task_metric: paper` scores each dataset with PEFT-Bench's metric; official stays the
default; both are recorded and the board says which one it used."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from needs import need_module

from peftbench.board.build import build_board
from peftbench.board.serialise import to_json
from peftbench.config.schema import ScoringSettings
from peftbench.datasets import DATASETS
from peftbench.datasets.paper_metrics import PAPER_METRICS
from peftbench.errors import UserError
from peftbench.evaluation.evaluate import metric_names
from peftbench.metrics import METRICS
from peftbench.pipeline import paper_score
from peftbench.reports import leaderboard
from peftbench.results.record import Efficiency, Metrics, RunConfig, RunRecord, Status
from peftbench.suite import load_suite

f1_score = need_module("sklearn.metrics", "pip install scikit-learn", module_level=True).f1_score
pearsonr = need_module("scipy.stats", "pip install scipy", module_level=True).pearsonr

MACRO = {"mnli", "cb", "mmlu", "siqa", "hellaswag", "openbookqa", "math_qa"}


def board_json(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """The board of `build_board(...)` as leaderboard.json holds it."""
    return to_json(build_board(*args, **kwargs))


def test_every_paper_dataset_has_its_paper_metric() -> None:
    paper = load_suite("paper")
    assert set(paper.datasets) == set(PAPER_METRICS)
    for name in paper.datasets:
        assert PAPER_METRICS[name] in METRICS, name
        assert PAPER_METRICS[name] in metric_names(DATASETS.get(name))
    assert {d for d, m in PAPER_METRICS.items() if "macro" in m} == MACRO
    assert PAPER_METRICS["cola"] != DATASETS.get("cola").metric  # F1, not the official MCC


def _reverse(preds: list[Any], golds: list[Any], labels: tuple[Any, ...]) -> list[Any]:
    """The original's `binary_reverse` for invalid outputs, written out for the check."""
    out = []
    for p, g in zip(preds, golds, strict=True):
        if p in labels:
            out.append(p)
        elif g == labels[1]:
            out.append(labels[0])
        else:
            out.append(labels[1])
    return out


def _sample(labels: tuple[Any, ...], seed: str) -> tuple[list[Any], list[Any]]:
    rng = random.Random(seed)
    golds = [rng.choice(labels) for _ in range(200)]
    preds: list[Any] = [g if rng.random() < 0.6 else rng.choice(labels) for g in golds]
    preds[:15] = [None] * 15  # unparseable outputs
    return preds, golds


BINARY = sorted(d for d, m in PAPER_METRICS.items() if m.startswith("paper_f1_") and d != "multirc")


@pytest.mark.parametrize("dataset", BINARY)
def test_binary_paper_f1_is_sklearns_f1_of_the_second_label(dataset: str) -> None:
    spec = DATASETS.get(dataset)
    labels = tuple(spec.labels) if dataset not in {"boolq", "wic", "wsc"} else ("no", "yes")
    preds, golds = _sample(labels, dataset)
    ours = METRICS.get(PAPER_METRICS[dataset])(preds, golds)
    ids = {label: i for i, label in enumerate(labels)}
    expected = f1_score([ids[g] for g in golds], [ids[p] for p in _reverse(preds, golds, labels)])
    assert ours == pytest.approx(100 * expected)


@pytest.mark.parametrize("dataset", sorted(MACRO))
def test_macro_paper_f1_is_sklearns_macro_f1(dataset: str) -> None:
    labels = tuple(DATASETS.get(dataset).labels)
    preds, golds = _sample(labels, dataset)
    ours = METRICS.get(PAPER_METRICS[dataset])(preds, golds)
    expected = f1_score(golds, _reverse(preds, golds, labels), average="macro")
    assert ours == pytest.approx(100 * expected)


def test_multirc_and_stsb_follow_the_original() -> None:
    preds, golds = _sample((False, True), "multirc")
    pairs = [(f"q{i // 4}", g) for i, g in enumerate(golds)]
    ours = METRICS.get(PAPER_METRICS["multirc"])(preds, pairs)
    expected = f1_score(golds, _reverse(preds, golds, (False, True)))
    assert ours == pytest.approx(100 * expected)
    stsb = METRICS.get(PAPER_METRICS["stsb"])([1.0, None, 3.0, 4.5], [1.0, 2.0, 3.0, 5.0])
    assert stsb == pytest.approx(100 * pearsonr([1.0, -1.0, 3.0, 4.5], [1.0, 2.0, 3.0, 5.0])[0])


def _record(dataset: str, method: str, official: float, paper: float | None) -> RunRecord:
    values: dict[str, Any] = {}
    if paper is not None:
        values = {"paper_score": paper, "paper_metric": PAPER_METRICS[dataset]}
    run_id = f"m__{dataset}__{method}"
    return RunRecord(
        run_id,
        Path(run_id),
        status=Status(status="ok", run_id=run_id, score=official),
        config=RunConfig(run_id, "m", method, dataset, 42),
        metrics=Metrics(score=official, metric=DATASETS.get(dataset).metric, values=values),
        efficiency=Efficiency(
            trainable_params=10,
            trainable_pct=0.1,
            latency_ms_per_token=1.0,
            slowdown_pct=0.0,
            peak_train_mem_mb=1.0,
            extra_tflops=0.0,
        ),
    )


def test_board_uses_the_chosen_task_metric_and_says_so() -> None:
    records = [_record("cola", "lora", 40.0, 80.0), _record("sst2", "lora", 90.0, 92.0)]
    official = board_json(records, ScoringSettings())
    paper = board_json(records, ScoringSettings(task_metric="paper"))
    assert official["rows"][0]["score"] == pytest.approx(65.0)
    assert paper["rows"][0]["score"] == pytest.approx(86.0)
    assert (official["task_metric"], paper["task_metric"]) == ("official", "paper")
    text = leaderboard.render(build_board(records, ScoringSettings(task_metric="paper")))
    assert "scoring.task_metric: paper" in text


def test_paper_scoring_without_paper_scores_is_a_clear_error() -> None:
    with pytest.raises(UserError, match="no paper score"):
        board_json([_record("cola", "lora", 40.0, None)], ScoringSettings(task_metric="paper"))


def test_task_metric_is_validated_and_paper_suites_use_paper() -> None:
    assert ScoringSettings().task_metric == "official"
    with pytest.raises(UserError, match="task_metric"):
        load_suite("smoke", ["scoring.task_metric=papers"])
    for suite in ("paper", "paper-fixed", "paper-mini"):
        assert load_suite(suite).scoring.task_metric == "paper"


def test_run_record_carries_both_scores() -> None:
    name = PAPER_METRICS["cola"]
    assert paper_score("cola", {"mcc": 10.0, name: 70.0}) == {
        "paper_metric": name,
        "paper_score": 70.0,
    }
    assert paper_score("sarcasm", {"accuracy": 50.0}) == {}  # not a paper dataset


def test_records_carry_apps_pass_at_1_and_xsum_rouge_1_2_l() -> None:
    """Every evaluated metric goes into the run record (pipeline: **ev.metrics)."""
    assert {"codebleu", "pass_at_1"} <= set(metric_names(DATASETS.get("apps")))
    assert {"rouge_1", "rouge_2", "rouge_l"} <= set(metric_names(DATASETS.get("xsum")))
