"""Trainable parameters equal the closed form, for the methods that have one.

Each formula is computed from the shapes of the modules the preset targets (resolved through the
architecture table), so GPT-2's fused qkv `c_attn` (64 -> 192) and Conv1D layout are covered.
Bottleneck adapters and BitFit have their closed forms in test_native_tuners.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from transformers.pytorch_utils import Conv1D

from peftbench.methods import METHODS, Method
from peftbench.methods.native.svft import band_size
from peftbench.models.targets import resolve_targets
from peftbench.models.tiny import build_tiny

ARCHS = ("llama", "gpt2", "qwen2")


def _in_out(module: torch.nn.Module) -> tuple[int, int]:
    if isinstance(module, Conv1D):
        return module.weight.shape[0], module.weight.shape[1]
    return module.in_features, module.out_features


def _targets(loaded: Any, roles: list[str]) -> list[tuple[str, torch.nn.Module]]:
    names = resolve_targets(loaded.model_type, roles)
    return [
        (n, m)
        for n, m in loaded.model.named_modules()
        if any(n == t or n.endswith("." + t) for t in names)
    ]


def _per_module(fn: Callable[[int, int, dict[str, Any]], int]) -> Callable[..., int]:
    """Sum `fn(in, out, preset)` over the preset's targeted linear layers."""

    def count(loaded: Any, preset: dict[str, Any]) -> int:
        mods = _targets(loaded, preset["target_modules"])
        return sum(fn(*_in_out(m), preset) for _, m in mods)

    return count


def _ia3(loaded: Any, preset: dict[str, Any]) -> int:
    ff = set(resolve_targets(loaded.model_type, preset["feedforward_modules"]))
    total = 0
    for name, m in _targets(loaded, preset["target_modules"]):
        n_in, n_out = _in_out(m)
        is_ff = any(name == t or name.endswith("." + t) for t in ff)
        total += n_in if is_ff else n_out  # feed-forward: scales the input, else the output
    return total


def _norms(loaded: Any, preset: dict[str, Any]) -> int:
    return sum(
        p.numel() for _, m in _targets(loaded, preset["target_modules"]) for p in m.parameters()
    )


def _prompt(loaded: Any, preset: dict[str, Any]) -> int:
    return preset["num_virtual_tokens"] * loaded.model.config.hidden_size


CLOSED_FORM: dict[str, Callable[[Any, dict[str, Any]], int]] = {
    "lora": _per_module(lambda i, o, p: p["r"] * (i + o)),
    "rslora": _per_module(lambda i, o, p: p["r"] * (i + o)),
    "pissa": _per_module(lambda i, o, p: p["r"] * (i + o)),
    "dora": _per_module(lambda i, o, p: p["r"] * (i + o) + o),  # + magnitude per output
    "loha": _per_module(lambda i, o, p: 2 * p["r"] * (i + o)),
    "vera": _per_module(lambda i, o, p: p["r"] + o),  # lambda_d (r) and lambda_b (out)
    "fourierft": _per_module(lambda i, o, p: p["n_frequency"]),
    "svft": _per_module(lambda i, o, p: band_size(min(i, o), p["off_diag"])),
    "ia3": _ia3,
    "lntuning": _norms,
    "prompt_tuning": _prompt,
}


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("name", sorted(CLOSED_FORM))
def test_trainable_parameters_match_the_closed_form(name: str, arch: str) -> None:
    method = METHODS.get(name)
    loaded = build_tiny(arch)
    expected = CLOSED_FORM[name](loaded, dict(method.preset))
    model = method.build(loaded.model, loaded, Method.build_params(method.params()))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert trainable == expected > 0


def test_lntuning_targets_every_norm_of_the_tiny_llama() -> None:
    """Two RMSNorms per layer and the final one, 64 weights each: 2 * 2 * 64 + 64."""
    loaded = build_tiny("llama")
    assert _norms(loaded, dict(METHODS.get("lntuning").preset)) == 320


def test_banded_svft_counts_its_band_and_merges_exactly() -> None:
    """SVFT-B (off_diag=2): k + 2(k-1) + 2(k-2) entries per weight; U M Vh equals the forward."""
    from peft import get_peft_model

    from peftbench.methods.native.svft import SVFTConfig

    loaded = build_tiny("llama")
    mods = _targets(loaded, ["key", "value", "ffn_out"])
    expected = sum(band_size(min(_in_out(m)), 2) for _, m in mods)
    assert band_size(32, 2) == 32 + 2 * 31 + 2 * 30
    names = resolve_targets("llama", ["key", "value", "ffn_out"])
    model = get_peft_model(loaded.model, SVFTConfig(target_modules=names, off_diag=2)).eval()
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert sum(p.numel() for p in trainable) == expected
    ids = torch.randint(5, 90, (2, 12), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        for p in trainable:
            p.normal_(0, 0.05)  # a non-trivial band, off-diagonals included
        unmerged = model(input_ids=ids).logits
        merged = model.merge_and_unload()(input_ids=ids).logits
    assert torch.allclose(merged, unmerged, atol=1e-4)


def test_svft_band_layout_is_the_documented_one() -> None:
    """U.T dW Vh.T recovers M: diagonal first, then for each offset j its upper and lower band."""
    from peftbench.methods.native.svft import SVFTLayer

    layer = SVFTLayer(torch.nn.Linear(6, 5, bias=False))
    layer.update_layer("default", off_diag=1, inference_mode=False)
    k = layer.rank
    values = torch.arange(1.0, band_size(k, 1) + 1)
    with torch.no_grad():
        layer.svft_m["default"].copy_(values)
    m = torch.diag(values[:k])
    m += torch.diag(values[k : 2 * k - 1], 1) + torch.diag(values[2 * k - 1 :], -1)
    recovered = layer.svft_u.T @ layer.delta_weight("default") @ layer.svft_vh.T
    assert torch.allclose(recovered, m, atol=1e-4)
