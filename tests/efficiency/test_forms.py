"""The forms inference figures are taken on: merged copy, in-place fallback, deployed adapter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from peftbench.efficiency import forms
from peftbench.efficiency.forms import deployed, last_logits, max_gap, merged
from peftbench.efficiency.params import save_adapter
from peftbench.methods import METHODS, Method
from peftbench.models.tiny import build_tiny

PROMPT = list(range(5, 25))


def _trained(method: str) -> Any:
    loaded = build_tiny("llama")
    spec = METHODS.get(method)
    model = spec.build(loaded.model, loaded, Method.build_params(spec.params()))
    with torch.no_grad():
        for p in model.parameters():
            if p.requires_grad:
                p.add_(0.05 * torch.randn_like(p))
    return model


def test_merge_falls_back_to_in_place_and_undoes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    model = _trained("lora")
    before = last_logits(model, PROMPT)

    def no_memory(_: Any) -> Any:
        raise MemoryError

    monkeypatch.setattr(forms, "copy_model", no_memory)
    with merged(model) as (folded, how, is_copy):
        assert folded is model and not is_copy and "in place" in how
        assert max_gap(last_logits(folded, PROMPT), before) < 1e-4
        assert all(layer.merged for layer in _lora_layers(model))
    assert not any(layer.merged for layer in _lora_layers(model))
    assert max_gap(last_logits(model, PROMPT), before) < 1e-5


def _lora_layers(model: Any) -> list[Any]:
    return [m for m in model.modules() if hasattr(m, "lora_A") and hasattr(m, "merged")]


def test_prompt_tuning_is_measured_as_the_saved_adapter(tmp_path: Path) -> None:
    model = _trained("prompt_tuning")
    save_adapter(model, tmp_path)
    with deployed(model, tmp_path) as (form, how):
        assert form is not model and "saved adapter" in how
        assert max_gap(last_logits(form, PROMPT), last_logits(model, PROMPT)) < 1e-5


def test_injected_adapter_is_measured_as_trained(tmp_path: Path) -> None:
    model = _trained("ia3")
    save_adapter(model, tmp_path)
    with deployed(model, tmp_path) as (form, how):
        assert form is model and how == "trained model, eval mode"
