"""Held-out parts of the train split: the paper's validation protocol and the learning curve.

Outcomes: held-out items never come from the eval split and never overlap what the run trains
on; with `select_best` the model ends holding exactly the checkpoint with the lowest held-out
loss; the learning curve has one point per `curve_every` steps (and the final step).
"""

from __future__ import annotations

import dataclasses

import pytest
import torch

from peftbench.cell import run_cell
from peftbench.config.schema import (
    EvaluationSettings,
    MeasurementSettings,
    ModelOptions,
    RunSpec,
    TrainingSettings,
)
from peftbench.datasets import DATASETS, LoadContext
from peftbench.errors import UserError
from peftbench.methods import METHODS, Method
from peftbench.models.tiny import build_tiny
from peftbench.pipeline import execute, load_data
from peftbench.training.data import train_features
from peftbench.training.holdout import (
    checkpoint_steps,
    curve_summary,
    every_fraction,
    held_out_loss,
    split_train,
)
from peftbench.training.trainer import Probe, train

LR = {"learning_rate": 0.01}
ROWS = list(range(100))  # stand-ins for examples: the split only moves them around


def test_validation_comes_from_the_training_pool_and_leaves_it() -> None:
    split = split_train(ROWS, 40, 0.1, 0)
    assert len(split.validation) == 4 and len(split.fit) == 36
    assert set(split.fit) | set(split.validation) == set(range(40))
    assert not set(split.fit) & set(split.validation)
    assert split.fit == sorted(split.fit)  # the rest keeps its order
    assert split_train(ROWS, 40, 0.1, 0) == split  # the same items every time


def test_curve_slice_comes_from_beyond_the_cap_so_training_data_is_unchanged() -> None:
    split = split_train(ROWS, 40, 0.0, 8)
    assert split.fit == ROWS[:40] and not split.validation
    assert len(split.dev) == 8 and min(split.dev) >= 40


def test_curve_slice_is_the_head_of_the_validation_items_when_there_are_some() -> None:
    split = split_train(ROWS, None, 0.2, 8)
    assert split.dev == split.validation[:8] and not set(split.dev) & set(split.fit)


def test_curve_slice_without_spare_rows_leaves_the_pool() -> None:
    split = split_train(ROWS[:20], None, 0.0, 5)
    assert len(split.fit) == 15 and not set(split.dev) & set(split.fit)
    with pytest.raises(UserError, match="curve"):
        split_train(ROWS[:5], None, 0.0, 5)
    with pytest.raises(UserError, match="val_fraction"):
        split_train(ROWS[:1], None, 0.5, 0)


def test_checkpoints_every_five_percent_and_at_the_end() -> None:
    assert every_fraction(100) == 5 and checkpoint_steps(100, 5) == list(range(5, 101, 5))
    assert every_fraction(7) == 1 and checkpoint_steps(7, 1) == list(range(1, 8))
    assert checkpoint_steps(10, 4) == [4, 8, 10]  # the final model is always a point


def test_curve_summary_flags_overshoot_only_beyond_one_item_and_two_points() -> None:
    pts = [{"step": s, "dev_score": v, "dev_loss": 0.0} for s, v in [(2, 50), (4, 75), (6, 60)]]
    summary = curve_summary(pts, True, 16)  # one item: 6.25 points
    assert (summary["best_step"], summary["best_dev_score"]) == (4, 75)
    assert summary["final_dev_score"] == 60 and summary["overshoot"] is True
    assert curve_summary(pts, True, 4)["overshoot"] is False  # 15 < one item (25 points)
    assert curve_summary(pts, False, 16)["best_step"] == 2  # lower is better: 50 is best
    assert curve_summary([], True, 16)["overshoot"] is None


def test_select_best_restores_the_checkpoint_with_the_lowest_held_out_loss(tmp_path) -> None:
    loaded = build_tiny("llama")
    spec, method = DATASETS.get("toy-addition"), METHODS.get("lora")
    rows = spec.load("train", LoadContext(tmp_path))
    split = split_train(rows[:48], None, 0.25, 0)
    feats = train_features(loaded.tokenizer, spec, split.fit, 64)
    val = train_features(loaded.tokenizer, spec, split.validation, 64)
    torch.manual_seed(0)
    model = method.build(loaded.model, loaded, Method.build_params(method.preset))
    params = {**method.preset, "learning_rate": 0.01}
    settings = TrainingSettings(max_steps=20, batch_size=8, val_fraction=0.25, select_best=True)

    def diverge(step: int) -> None:
        """After step 10 the run goes wrong (as a diverging one would): later checkpoints are
        worse, so the best one is not the last."""
        if step > 10:
            with torch.no_grad():
                for p in model.parameters():
                    if p.requires_grad:
                        p.add_(torch.randn_like(p))

    probes = [Probe(1, diverge)]
    result = train(model, method, params, feats, 0, settings, 0, False, val, probes)
    assert [c["step"] for c in result.checkpoints] == list(range(1, 21))  # every 5 % of 20
    best = min(result.checkpoints, key=lambda c: c["val_loss"])
    assert result.selected_step == best["step"] <= 11  # validated before the step-11 probe
    assert held_out_loss(model, val, 0) == pytest.approx(best["val_loss"], rel=1e-5)


def _curve_spec(every: int, steps: int) -> RunSpec:
    return RunSpec(
        "tiny-llama", "lora", "toy-addition", 0, METHODS.get("lora").params(LR),
        TrainingSettings(max_steps=steps, batch_size=8, max_length=64, max_train_examples=32),
        EvaluationSettings(max_eval_examples=8, curve_every=every, curve_examples=8),
        MeasurementSettings(), ModelOptions(),
    )  # fmt: skip


@pytest.mark.parametrize(("every", "steps", "points"), [(2, 6, [2, 4, 6]), (4, 6, [4, 6])])
def test_learning_curve_has_the_configured_points_on_items_disjoint_from_eval(
    tmp_path, every: int, steps: int, points: list[int]
) -> None:
    spec = _curve_spec(every, steps)
    data = load_data(spec, LoadContext(tmp_path))
    dev, evals = data.split.dev, data.evals
    assert len(dev) == 8 and not {e.id for e in dev} & {e.id for e in evals}
    assert all(e.id.startswith("train-") for e in dev)  # from the train split (toy prompts
    # repeat across the splits of toy-addition, so ids, not texts, tell the items apart)
    assert not {e.id for e in dev} & {e.id for e in data.train}
    off = load_data(
        dataclasses.replace(spec, evaluation=EvaluationSettings()), LoadContext(tmp_path)
    )
    assert off.train == data.train  # turning the curve on does not change what the run trains on
    run = execute(spec, data)
    assert [p["step"] for p in run.curve] == points
    assert all(0 <= p["dev_score"] <= 100 and p["dev_loss"] > 0 for p in run.curve)


def test_run_record_holds_the_curve_and_the_selected_checkpoint(tmp_path) -> None:
    from peftbench.results.record import read_run
    from peftbench.results.store import ResultsStore

    spec = dataclasses.replace(
        _curve_spec(3, 6),
        training=TrainingSettings(
            max_steps=6,
            batch_size=8,
            max_length=64,
            max_train_examples=32,
            val_fraction=0.25,
            select_best=True,
        ),
        measurement=MeasurementSettings(flops=False),
    )
    store = ResultsStore(tmp_path / "out")
    status = run_cell(spec, store, LoadContext(tmp_path), progress=False)
    assert status.ok, status
    record = read_run(store.run_dir(spec.run_id))
    curve = record.metrics.learning_curve
    assert [p["step"] for p in curve["points"]] == [3, 6] and curve["every"] == 3
    assert curve["dev_examples"] == 8 and curve["overshoot"] in (True, False)
    assert curve["final_dev_score"] == curve["points"][-1]["dev_score"]
    eff = record.efficiency
    assert eff.get("val_examples") == 8  # 25 % of the 32 capped training examples
    assert [c["step"] for c in eff.get("val_checkpoints")] == list(range(1, 7))
    best = min(eff.get("val_checkpoints"), key=lambda c: c["val_loss"])
    assert eff.get("selected_step") == best["step"]
