"""Methods whose optimizer or schedule is part of the method, through the real training loop.

`training.trainer.train` takes the method, so it must use the optimizer the method makes (LoRA+,
GaLore) and call its step hook after every optimizer step while gradients exist (AdaLoRA)
without the caller passing either.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from peftbench.config.schema import TrainingSettings
from peftbench.methods import METHODS, Method
from peftbench.models.tiny import build_tiny
from peftbench.training.trainer import train

STEPS = 4
SETTINGS = TrainingSettings(max_steps=STEPS, batch_size=2, warmup_ratio=0.0, logging_steps=1)


def _features() -> list[dict[str, list[int]]]:
    seqs = [[20 + (i + j) % 8 for j in range(12)] for i in range(4)]
    return [{"input_ids": s, "labels": s} for s in seqs]


def _built(method: Method) -> tuple[Any, dict[str, Any], Any]:
    loaded = build_tiny("llama")
    params = {**method.params(), "learning_rate": 1e-3}
    model = method.build(loaded.model, loaded, Method.build_params(params))
    return model, params, loaded.tokenizer.pad_token_id


def _train(method: Method, model: Any, params: dict[str, Any], pad: int) -> Any:
    return train(model, method, params, _features(), pad, SETTINGS, seed=0, show_progress=False)


def _spying_optimizer(name: str) -> tuple[Method, list[Any]]:
    """The registered method, with its optimizer factory recording what it made."""
    method, made = METHODS.get(name), []
    assert method.optimizer is not None
    factory = method.optimizer

    def spy(*args: Any) -> Any:
        made.append(factory(*args))
        return made[-1]

    return dataclasses.replace(method, optimizer=spy), made


def test_step_hook_runs_after_every_optimizer_step_with_gradients() -> None:
    calls = []

    def hook(model: Any, params: dict[str, Any], step: int, total: int) -> None:
        grads = [p.grad for p in model.parameters() if p.requires_grad]
        calls.append((step, total, all(g is not None for g in grads)))

    method = dataclasses.replace(METHODS.get("lora"), step_hook=hook)
    _train(method, *_built(method))
    assert calls == [(s, STEPS, True) for s in range(STEPS)]


def test_loraplus_trains_b_with_its_higher_learning_rate() -> None:
    method, made = _spying_optimizer("loraplus")
    model, params, pad = _built(method)
    b_before = {n: p.detach().clone() for n, p in model.named_parameters() if "lora_B" in n}
    _train(method, model, params, pad)
    (opt,) = made
    # The Trainer's schedule took over this optimizer (it records each group's starting rate).
    lrs = sorted({g["initial_lr"] for g in opt.param_groups if g["params"]})
    assert lrs[0] == pytest.approx(1e-3)
    assert lrs[-1] / lrs[0] == pytest.approx(params["loraplus_lr_ratio"])
    assert all(opt.state[p] for g in opt.param_groups for p in g["params"])  # all were stepped
    moved = [n for n, p in model.named_parameters() if n in b_before and (p != b_before[n]).any()]
    assert moved


def test_adalora_schedule_and_budget_follow_the_run() -> None:
    method = METHODS.get("adalora")
    model, params, pad = _built(method)
    _train(method, model, params, pad)
    config = model.peft_config["default"]
    assert config.total_step == STEPS
    assert (config.tinit, config.tfinal) == (0, 0)  # 10% and 20% of 4 steps
    allocator = model.base_model.rankallocator
    assert allocator.ipt and allocator.exp_avg_ipt  # importance scores need the gradients


def test_galore_projects_the_targeted_weights_only() -> None:
    method, made = _spying_optimizer("galore")
    model, params, pad = _built(method)
    _train(method, model, params, pad)
    (opt,) = made
    names = {id(p): n for n, p in model.named_parameters()}
    projected = {names[id(p)] for p, s in opt.state.items() if "basis" in s}
    assert projected and all(n.endswith("_proj.weight") for n in projected)
    assert not any("norm" in n or "embed" in n for n in projected)
    for p, state in opt.state.items():
        if "basis" in state:
            rank = min(params["rank"], *p.shape)
            assert state["basis"].shape[1] == rank  # P has `rank` orthonormal columns
            assert state["exp_avg"].numel() == rank * max(p.shape)  # moments in the small space


def test_schedule_fractions_leave_a_reallocation_phase() -> None:
    from peftbench.methods.adalora import schedule

    assert schedule(100, {"tinit_fraction": 0.1, "tfinal_fraction": 0.2}) == (10, 20)
    tinit, tfinal = schedule(3, {"tinit_fraction": 0.5, "tfinal_fraction": 0.5})
    assert tinit + tfinal < 3
