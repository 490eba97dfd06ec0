"""Stability on the tiny model: frozen has exactly zero drift and zero retention change; a model
trained hard on one toy task drifts on general text."""

from __future__ import annotations

import pytest
import torch  # a required dependency: never skipped

from peftbench.config.schema import EvaluationSettings
from peftbench.datasets import DATASETS, LoadContext
from peftbench.methods import METHODS, Method
from peftbench.models.tiny import build_tiny
from peftbench.stability.measure import BaseAnswerCache, GeneralTask, measure_stability


def _general(tmp_path) -> list[GeneralTask]:
    spec = DATASETS.get("toy-sentiment")
    return [GeneralTask(spec, spec.load("eval", LoadContext(tmp_path))[:12])]


def _measure(adapted, loaded, tmp_path, cache_dir=None):
    return measure_stability(
        adapted,
        loaded.tokenizer,
        lambda: build_tiny("llama").model,
        text_tokens=300,
        tasks=_general(tmp_path),
        evaluation=EvaluationSettings(batch_size=4),
        model_key="tiny-llama",
        cache=BaseAnswerCache(cache_dir),
    )


def test_frozen_has_exactly_zero_drift_and_retention_change(tmp_path) -> None:
    loaded = build_tiny("llama")
    out = _measure(loaded.model, loaded, tmp_path)
    assert out["drift"]["kl_mean"] == 0.0
    assert out["drift"]["ppl"] == out["drift"]["ppl_base"]
    assert out["drift"]["tokens"] == 299
    assert out["retention"]["delta"] == 0.0
    assert out["retention"]["ci95"] == [0.0, 0.0]


def test_hard_training_on_a_toy_task_drifts_on_general_text(tmp_path) -> None:
    from peftbench.training.data import PadCollator, train_features

    loaded = build_tiny("llama")
    method = METHODS.get("lora")
    model = method.build(loaded.model, loaded, Method.build_params(method.preset))
    spec = DATASETS.get("toy-addition")
    feats = train_features(loaded.tokenizer, spec, spec.load("train", LoadContext(tmp_path)), 64)
    batch = PadCollator(loaded.tokenizer.pad_token_id)(feats[:16])
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=3e-2)
    model.train()
    for _ in range(15):
        opt.zero_grad()
        model(**batch).loss.backward()
        opt.step()
    out = _measure(model, loaded, tmp_path, tmp_path / "base")
    assert out["drift"]["kl_mean"] > 1e-3
    assert out["drift"]["ppl"] != pytest.approx(out["drift"]["ppl_base"], rel=1e-3)
    assert out["drift"]["text"]["sha256"]
    # the base answers are cached once per model and task items, and reused
    cached = list((tmp_path / "base").glob("*.json"))
    assert len(cached) == 1
    again = _measure(model, loaded, tmp_path, tmp_path / "base")
    assert again["retention"] == out["retention"]
