"""Parameter figures against closed forms on the tiny Llama, and stored == loaded at inference.

Tiny Llama: hidden h=64, FFN f=128, n=2 layers, 4 query heads and 2 key/value heads of 16, so
the key/value width is kv=32.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from peft import PeftModel

from peftbench.efficiency.forms import deployed
from peftbench.efficiency.params import count_parameters, inference_counts, save_adapter
from peftbench.methods import METHODS, Method
from peftbench.models.tiny import build_tiny

H, F, N, KV = 64, 128, 2, 32


def _build(method: str, **overrides: Any) -> tuple[Any, int]:
    loaded = build_tiny("llama")
    base_total = count_parameters(loaded.model)[1]
    spec = METHODS.get(method)
    return spec.build(loaded.model, loaded, Method.build_params(spec.params(overrides))), base_total


def _figures(method: str, folder: Path, **overrides: Any) -> dict[str, Any]:
    model, base_total = _build(method, **overrides)
    trainable, _ = count_parameters(model)
    saved = save_adapter(model, folder)
    with deployed(model, folder) as (form, _):
        counts = inference_counts(model, form, base_total)
    return {"trainable": trainable, **saved, **counts}


# (method, overrides, trainable, stored = needed at inference, trained but dropped)
CASES = [
    # LoRA r=16 on k (h->kv), v (h->kv), down (f->h): r * (in + out) each
    ("lora", {}, N * 16 * ((H + KV) * 2 + (F + H)), None, 0),
    # IA3: a vector on k and v outputs (kv each) and on down_proj's input (f)
    ("ia3", {}, N * (KV + KV + F), None, 0),
    # prompt tuning: 100 embeddings of width h
    ("prompt_tuning", {}, 100 * H, None, 0),
    # BitFit on Llama: zero biases added to q, k, v, o, gate, up, down outputs
    ("bitfit", {}, N * (H + KV + KV + H + F + F + H), None, 0),
    # bottleneck (Houlsby, reduction 16): h -> 4 -> h after attention output and FFN output
    ("adapter", {}, N * 2 * (H * 4 + 4 + 4 * H + H), None, 0),
]


@pytest.mark.parametrize(("method", "overrides", "trainable", "stored", "dropped"), CASES)
def test_counts_match_closed_forms(
    tmp_path: Path, method: str, overrides: dict, trainable: int, stored: int | None, dropped: int
) -> None:
    got = _figures(method, tmp_path, **overrides)
    assert got["trainable"] == trainable
    assert got["adapter_params"] == (trainable if stored is None else stored)
    assert got["inference_params"] == got["adapter_params"]
    assert got["train_only_params"] == dropped
    assert got["adapter_bytes"] > got["adapter_weights_bytes"] >= 4 * got["adapter_params"]


def test_prefix_projection_is_trained_but_dropped_at_inference(tmp_path: Path) -> None:
    p, hidden = 32, 512
    got = _figures("prefix_tuning", tmp_path)
    prefix_width = N * 2 * KV  # a key and a value prefix per layer
    embedding, mlp = p * KV, (KV * hidden + hidden) + (hidden * prefix_width + prefix_width)
    assert got["trainable"] == embedding + mlp
    assert got["adapter_params"] == got["inference_params"] == p * prefix_width
    assert got["train_only_params"] == embedding + mlp


def test_prefix_without_projection_keeps_everything(tmp_path: Path) -> None:
    got = _figures("prefix_tuning", tmp_path, prefix_projection=False)
    assert got["trainable"] == got["inference_params"] == 32 * N * 2 * KV
    assert got["train_only_params"] == 0


@pytest.mark.parametrize("method", ["lora", "prefix_tuning", "bitfit"])
def test_stored_adapter_is_what_loading_adds_to_a_fresh_base(tmp_path: Path, method: str) -> None:
    model, base_total = _build(method)
    saved = save_adapter(model, tmp_path)
    loaded = PeftModel.from_pretrained(build_tiny("llama").model, str(tmp_path))
    assert count_parameters(loaded)[1] - base_total == saved["adapter_params"]


def test_a_model_without_adapter_saves_nothing(tmp_path: Path) -> None:
    model, base_total = _build("frozen")
    assert save_adapter(model, tmp_path)["adapter_params"] == 0
    assert inference_counts(model, model, base_total) == {
        "inference_params": 0,
        "train_only_params": 0,
    }
