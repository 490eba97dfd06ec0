"""The native peft tuners (bottleneck adapters, BitFit) and the methods that register them.

Every test runs on the three tiny architectures: Llama (no biases, nn.Linear), GPT-2 (fused qkv,
Conv1D with biases) and Qwen2 (biases on q/k/v only). Models are put in eval mode so GPT-2's
dropout does not blur exact comparisons; gradients flow all the same.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from peft import PeftConfig, PeftModel, get_peft_model
from safetensors.torch import load_file

from peftbench.methods import METHODS, Method
from peftbench.methods.native.bitfit import BitFitConfig
from peftbench.methods.native.bottleneck import BottleneckConfig
from peftbench.models.targets import resolve_targets
from peftbench.models.tiny import build_tiny

ARCHS = ("llama", "gpt2", "qwen2")
ADAPTERS = ("adapter", "adapter_pfeiffer", "adapter_parallel")
METHOD_NAMES = (*ADAPTERS, "bitfit")
HIDDEN, LAYERS = 64, 2  # the tiny models' width and depth


def _base(arch: str) -> Any:
    loaded = build_tiny(arch)
    loaded.model.eval()
    return loaded


def _ids(seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(5, 90, (2, 16), generator=gen)


def _logits(model: Any, ids: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model(input_ids=ids).logits


def _build(name: str, arch: str) -> tuple[Any, Any]:
    """(loaded base, peft model) through the registered method and its preset."""
    loaded = _base(arch)
    method = METHODS.get(name)
    return loaded, method.build(loaded.model, loaded, Method.build_params(method.params()))


def _trainable(model: Any) -> dict[str, torch.nn.Parameter]:
    return {n: p for n, p in model.named_parameters() if p.requires_grad}


def _train(model: Any, ids: torch.Tensor, steps: int, lr: float = 1e-2) -> list[float]:
    """Plain Adam on *all* parameters: frozen ones get no gradient, so they must not move."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        loss = model(input_ids=ids, labels=ids).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def _out_features(module: torch.nn.Module) -> int:
    return module.out_features if isinstance(module, torch.nn.Linear) else module.weight.shape[1]


def _targeted(loaded: Any, roles: list[str]) -> dict[str, torch.nn.Module]:
    names = resolve_targets(loaded.model_type, roles)
    return {
        n: m
        for n, m in loaded.model.named_modules()
        if any(n == t or n.endswith("." + t) for t in names)
    }


# -- bottleneck adapters ----------------------------------------------------------------------


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("name", ADAPTERS)
def test_adapter_identity_and_closed_form_param_count(name: str, arch: str) -> None:
    loaded = _base(arch)
    ids = _ids()
    base = _logits(loaded.model, ids)
    method = METHODS.get(name)
    model = method.build(loaded.model, loaded, Method.build_params(method.params()))
    assert torch.equal(_logits(model, ids), base)  # the up-projection starts at zero

    # Every wrapped module maps the hidden size h to itself: 2*h*b + b + h with b = h / r.
    b = HIDDEN // method.preset["reduction_factor"]
    per_module = 2 * HIDDEN * b + b + HIDDEN
    wrapped = {"adapter": 2, "adapter_pfeiffer": 1, "adapter_parallel": 1}[name] * LAYERS
    assert len(model.base_model.targeted_module_names) == wrapped
    trainable = _trainable(model)
    assert sum(p.numel() for p in trainable.values()) == wrapped * per_module
    assert all(".bottleneck_" in n for n in trainable)


@pytest.mark.parametrize("arch", ("llama", "gpt2"))
def test_parallel_adapter_on_a_block_that_returns_a_tuple(arch: str) -> None:
    """Attention blocks return (hidden, weights): the adapter reads the input, adds to [0]."""
    loaded = _base(arch)
    ids = _ids()
    base = _logits(loaded.model, ids)
    targets = resolve_targets(loaded.model_type, ["attn_block"])
    config = BottleneckConfig(placement="parallel", target_modules=targets, task_type="CAUSAL_LM")
    model = get_peft_model(loaded.model, config)
    assert torch.equal(_logits(model, ids), base)
    losses = _train(model, ids, steps=3)
    assert losses[-1] < losses[0]
    assert not torch.equal(_logits(model, ids), base)


def test_adapter_config_is_validated() -> None:
    with pytest.raises(ValueError, match="placement"):
        BottleneckConfig(placement="sideways")
    with pytest.raises(ValueError, match="non_linearity"):
        BottleneckConfig(non_linearity="no-such-activation")


# -- BitFit -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("arch", "expected"), [("llama", 1024), ("gpt2", 1152), ("qwen2", 1024)])
def test_bitfit_identity_and_closed_form_param_count(arch: str, expected: int) -> None:
    loaded = _base(arch)
    ids = _ids()
    base = _logits(loaded.model, ids)
    method = METHODS.get("bitfit")
    targeted = _targeted(loaded, method.preset["target_modules"])
    closed_form = sum(_out_features(m) for m in targeted.values())
    model = method.build(loaded.model, loaded, Method.build_params(method.params()))
    assert torch.equal(_logits(model, ids), base)  # copies of the biases, or zeros
    trainable = _trainable(model)
    assert sum(p.numel() for p in trainable.values()) == closed_form == expected
    assert all(".bitfit_bias." in n for n in trainable)


@pytest.mark.parametrize(
    ("arch", "added"),
    [
        ("llama", ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]),
        ("qwen2", ["o_proj", "gate_proj", "up_proj", "down_proj"]),  # q/k/v have biases
        ("gpt2", []),  # every Conv1D has a bias
    ],
)
def test_bitfit_records_added_biases(arch: str, added: list[str], tmp_path: Path) -> None:
    _, model = _build("bitfit", arch)
    recorded = model.base_model.added_bias_modules
    assert sorted({n.rsplit(".", 1)[-1] for n in recorded}) == sorted(added)
    assert len(recorded) == len(added) * LAYERS
    model.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "adapter_config.json").read_text())
    assert saved["added_bias_modules"] == recorded


def test_bitfit_without_add_missing_bias_trains_existing_biases_only() -> None:
    loaded = _base("qwen2")
    targets = resolve_targets("qwen2", ["query", "key", "value", "attn_out", "ffn_out"])
    config = BitFitConfig(target_modules=targets, add_missing_bias=False, task_type="CAUSAL_LM")
    model = get_peft_model(loaded.model, config)
    assert model.base_model.added_bias_modules == []
    assert sum(p.numel() for p in _trainable(model).values()) == LAYERS * (64 + 32 + 32)


@pytest.mark.parametrize("arch", ARCHS)
def test_bitfit_merge_and_unload(arch: str) -> None:
    _, model = _build("bitfit", arch)
    ids = _ids()
    base = _logits(_base(arch).model, ids)
    _train(model, ids, steps=2)
    trained = _logits(model, ids)
    with model.disable_adapter():
        assert torch.equal(_logits(model, ids), base)
    merged = model.merge_and_unload()
    assert torch.allclose(_logits(merged, ids), trained, atol=1e-6)


# -- behaviour shared by all native methods ---------------------------------------------------


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("name", METHOD_NAMES)
def test_one_step_changes_only_trainable_params_and_the_logits(name: str, arch: str) -> None:
    _, model = _build(name, arch)
    ids = _ids()
    before_logits = _logits(model, ids)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    trainable = set(_trainable(model))
    _train(model, ids, steps=1)
    changed = {n for n, p in model.named_parameters() if not torch.equal(p, before[n])}
    assert changed and changed <= trainable
    assert all(p.grad is None for n, p in model.named_parameters() if n not in trainable)
    assert not torch.equal(_logits(model, ids), before_logits)


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("name", METHOD_NAMES)
def test_a_few_steps_lower_the_loss(name: str, arch: str) -> None:
    _, model = _build(name, arch)
    losses = _train(model, _ids(), steps=8)
    assert losses[-1] < losses[0] - 0.05, losses


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("name", METHOD_NAMES)
def test_save_then_load_onto_a_fresh_base_reproduces_outputs(
    name: str, arch: str, tmp_path: Path
) -> None:
    _, model = _build(name, arch)
    ids = _ids()
    base = _logits(_base(arch).model, ids)
    _train(model, ids, steps=3)
    trained = _logits(model, ids)
    assert not torch.equal(trained, base)
    model.save_pretrained(tmp_path)

    peft_type = "BITFIT" if name == "bitfit" else "BOTTLENECK"
    assert json.loads((tmp_path / "adapter_config.json").read_text())["peft_type"] == peft_type
    config_cls = BitFitConfig if name == "bitfit" else BottleneckConfig
    assert isinstance(PeftConfig.from_pretrained(tmp_path), config_cls)
    saved = load_file(tmp_path / "adapter_model.safetensors")
    # The adapter file holds exactly the trained parameters (adapter name stripped from keys).
    assert len(saved) == len(_trainable(model))
    for key, param in _trainable(model).items():
        assert torch.equal(saved[key.replace(".default", "")], param.detach())

    reloaded = PeftModel.from_pretrained(_base(arch).model, tmp_path)
    assert torch.equal(_logits(reloaded, ids), trained)
    assert not _trainable(reloaded)  # loaded for inference unless is_trainable=True
    with reloaded.disable_adapter():
        assert torch.equal(_logits(reloaded, ids), base)
