"""What every tracker is given: the committed record, flattened (trackers/run_log.py)."""

from __future__ import annotations

import json

from tracker_util import FAILED_RUN, OK_RUN, tracking

from peftbench.results.store import ResultsStore
from peftbench.trackers.run_log import flat_params, run_log


def test_an_ok_run_gives_its_config_steps_scores_and_every_efficiency_figure(
    store: ResultsStore,
) -> None:
    record = store.read(OK_RUN)
    run = run_log(record, tracking("mlflow"), store.root)
    config = json.loads((record.folder / "config.json").read_text())
    assert run.run_id == OK_RUN and run.suite == "smoke" and run.status == "ok"
    assert run.params["training.max_steps"] == config["training"]["max_steps"]
    assert run.params["method_params.r"] == config["method_params"]["r"]
    assert all(isinstance(v, str | int | float | bool) for v in run.params.values())
    # per step, in order, exactly as the trainer logged them
    logged = [json.loads(x) for x in (record.folder / "train_log.jsonl").read_text().splitlines()]
    losses = [(row["step"], row["loss"]) for row in logged if "loss" in row]
    assert [(s, f["train/loss"]) for s, f in run.steps if "train/loss" in f] == losses
    assert [s for s, _ in run.steps] == sorted(s for s, _ in run.steps)
    # the score with its interval, every metric, every numeric efficiency figure
    assert run.finals["score"] == 81.25 and run.finals["metric.accuracy"] == 81.25
    assert run.finals["score_ci95_low"] <= 81.25 <= run.finals["score_ci95_high"]
    assert run.finals["score_ci95_low"] < run.finals["score_ci95_high"]
    assert run.finals["score_items"] == 16
    eff = json.loads((record.folder / "efficiency.json").read_text())
    numbers = {k for k, v in eff.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    assert numbers and {f"efficiency.{k}" for k in numbers} <= set(run.finals)
    assert run.tags["efficiency.device_name"] == eff["device_name"]
    assert run.tags["peftbench.invocation"] == "2026-01-02T03:04:05Z"


def test_a_failed_run_gives_its_config_and_error_and_no_scores(store: ResultsStore) -> None:
    run = run_log(store.read(FAILED_RUN), tracking("mlflow"), store.root)
    assert run.status == "failed" and "score" not in run.finals
    assert run.tags["peftbench.error"] and run.params["method"] == "lora"


def test_nested_settings_flatten_to_dotted_keys_and_lists_to_json() -> None:
    flat = flat_params({"a": {"b": 1, "c": {"d": "x"}}, "e": [1, 2], "f": None, "g": {}})
    assert flat == {"a.b": 1, "a.c.d": "x", "e": "[1, 2]", "f": "null", "g": "{}"}
