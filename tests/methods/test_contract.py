"""The contract every registered method keeps, on three tiny architectures.

Llama-style (no biases, nn.Linear), GPT-2-style (fused qkv in Conv1D layers, biases) and
Qwen2-style (biases on q/k/v only). For each (method, architecture) one cell is computed once
(`_cell`): build with the method's preset, then 4 optimizer steps on one tiny batch with the
method's own optimizer and step hook (lr 5e-3 for every method: the check is that the method
trains, not that its preset learning rate suits a random 64-wide model; LoRA+ multiplies it by
16 for B, which 1e-2 would make diverge), then save, reload onto a fresh base, merge. The tests
below each assert one clause of the contract on that record.

Generation: the tiny GPT-2 ties its embeddings, so the random model greedily repeats its last
token by a logit margin that methods with a handful of scale parameters (IA3: ~100 steps, VeRA,
SVFT) do not overcome in 4 steps. Training therefore continues, 4 steps at a time and at most
`MAX_STEPS` in all, until greedy generation through the evaluation decoder differs from the
base model's; the test fails if it never does.
Models are in eval mode throughout (no dropout), so comparisons can be exact; gradients flow the
same. Tolerances: identity at init and save/load 1e-5 (absolute, on logits of order 1), merged
vs unmerged 1e-4 (float32 re-association of the merged weight).
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
import torch

from peftbench.errors import UserError
from peftbench.evaluation.generate import greedy_generate
from peftbench.methods import METHODS, Method
from peftbench.models.tiny import build_tiny

ARCHS = ("llama", "gpt2", "qwen2")
STEPS, MAX_STEPS, LR = 4, 128, 5e-3
IDENTITY_ATOL, RELOAD_ATOL, MERGE_ATOL = 1e-5, 1e-5, 1e-4

# What this issue lists as working on CPU with this peft version (qlora needs a CUDA GPU and is
# checked separately). Discovery finding fewer fails `test_every_listed_method_is_registered`.
WORKING = frozenset(
    """
    frozen full lora ia3 lntuning prompt_tuning prefix_tuning ptuning bitfit
    adapter adapter_pfeiffer adapter_parallel
    dora loraplus pissa rslora oft ptuning_v2 multitask_prompt_tuning svft galore
    vera loha lokr adalora boft hra fourierft vblora randlora
    adamss beft c3a cartridge deft delora frod glora gralora hira lily miss osf peanut psoft
    pvera road shira supertuning tinylora unilora waveft
    """.split()
)
NAMES = METHODS.names()
CUDA = torch.cuda.is_available()


def _batch() -> torch.Tensor:
    """Two sequences of a repeating pattern: easy to fit, so a few steps change the model."""
    pattern = torch.tensor([20, 21, 22, 23, 24, 25, 26, 27])
    return torch.stack([pattern.repeat(3), pattern.roll(4).repeat(3)])


PROMPTS = [[20, 21, 22, 23, 24], [30, 31, 32]]  # different lengths: exercises left padding


def _logits(model: Any, ids: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model(input_ids=ids).logits


def _loss(model: Any, ids: torch.Tensor) -> float:
    with torch.no_grad():
        return model(input_ids=ids, labels=ids).loss.item()


def _generate(model: Any, pad_id: int) -> list[list[int]]:
    return greedy_generate(model, PROMPTS, pad_id, max_new_tokens=8)


def _base_name(name: str) -> str:
    """A peft-wrapped parameter's name as it was in the base model."""
    name = re.sub(r"^base_model\.model\.", "", name)
    return name.replace(".base_layer.", ".")


@dataclass
class Cell:
    """Everything the contract tests assert on, for one (method, architecture)."""

    trainable: int = 0
    total: int = 0
    base_param_names: set[str] = field(default_factory=set)
    unfrozen_base: list[str] = field(default_factory=list)
    identity_gap: float | None = None
    changed_by_one_step: set[str] = field(default_factory=set)
    trainable_names: set[str] = field(default_factory=set)
    loss_before: float = 0.0
    loss_after: float = 0.0
    steps: int = 0
    generation_base: list[list[int]] = field(default_factory=list)
    generation_trained: list[list[int]] = field(default_factory=list)
    reload_gap: float | None = None
    merge_gap: float | None = None


class _Trainer:
    """The method's optimizer (or AdamW) and step hook, stepping one batch."""

    def __init__(self, method: Method, model: Any, params: dict[str, Any], ids: torch.Tensor):
        trainable = [p for p in model.parameters() if p.requires_grad]
        self.opt = method.make_optimizer(model, params, LR, 0.0) or torch.optim.AdamW(
            trainable, lr=LR, weight_decay=0.0
        )
        self.on_step = method.step_callback(model, params)
        self.model, self.ids, self.step = model, ids, 0

    def run(self, steps: int) -> None:
        for _ in range(steps):
            loss = self.model(input_ids=self.ids, labels=self.ids).loss
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            if self.on_step is not None:
                self.on_step(self.step, MAX_STEPS)
            self.step += 1


@functools.cache
def _cell(name: str, arch: str, tmp: str) -> Cell:
    method = METHODS.get(name)
    params = method.params()
    loaded = build_tiny(arch)
    model, pad = loaded.model.eval(), loaded.tokenizer.pad_token_id
    ids = _batch()
    cell = Cell(base_param_names={n for n, _ in model.named_parameters()})
    base_logits = _logits(model, ids)
    cell.generation_base = _generate(model, pad)

    torch.manual_seed(0)
    model = method.build(model, loaded, Method.build_params(params)).eval()
    cell.trainable_names = {n for n, p in model.named_parameters() if p.requires_grad}
    unique = {id(p): p for p in model.parameters()}  # tied weights once
    cell.trainable = sum(p.numel() for p in unique.values() if p.requires_grad)
    cell.total = sum(p.numel() for p in unique.values())
    cell.unfrozen_base = [
        n
        for n in cell.trainable_names
        if _base_name(n) in cell.base_param_names and method.family != "full-parameter"
    ]
    if method.identity_at_init:
        init = _logits(model, ids)
        same_shape = init.shape == base_logits.shape
        cell.identity_gap = float((init - base_logits).abs().max()) if same_shape else 1e9
    if not method.trains:
        cell.generation_trained = _generate(model, pad)
        return cell

    cell.loss_before = _loss(model, ids)
    trainer = _Trainer(method, model, params, ids)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    trainer.run(1)
    cell.changed_by_one_step = {
        n for n, p in model.named_parameters() if not torch.equal(p, before[n])
    }
    trainer.run(STEPS - 1)
    cell.loss_after = _loss(model, ids)
    cell.generation_trained = _generate(model, pad)
    while cell.generation_trained == cell.generation_base and trainer.step < MAX_STEPS:
        trainer.run(STEPS)
        cell.generation_trained = _generate(model, pad)
    cell.steps = trainer.step
    trained = _logits(model, ids)

    folder = f"{tmp}/{name}-{arch}"
    model.save_pretrained(folder)
    fresh = build_tiny(arch)
    reloaded = method.load_saved(fresh.model.eval(), fresh, folder).eval()
    cell.reload_gap = float((_logits(reloaded, ids) - trained).abs().max())

    if method.mergeable:
        merged = copy.deepcopy(model).merge_and_unload()
        cell.merge_gap = float((_logits(merged, ids) - trained).abs().max())
    return cell


def cell(name: str, arch: str, tmp_path_factory: pytest.TempPathFactory) -> Cell:
    method = METHODS.get(name)
    if method.needs_gpu and not CUDA:
        pytest.skip(f"{name} needs a CUDA GPU (its error without one is tested separately)")
    return _cell(name, arch, str(tmp_path_factory.getbasetemp()))


# Every method on the first architecture always; the other architectures are marked slow (CI runs
# them: the full grid), which keeps `make test` within its time budget on 2 cores.
GRID = [
    pytest.param(n, a, id=f"{n}-{a}", marks=() if a == ARCHS[0] else pytest.mark.slow)
    for n in NAMES
    for a in ARCHS
]


def test_every_listed_method_is_registered() -> None:
    missing = WORKING - set(NAMES)
    assert not missing, f"discovery lost {sorted(missing)}"
    assert len(NAMES) >= len(WORKING) + 1  # + qlora, registered but needing a GPU


@pytest.mark.parametrize(("name", "arch"), GRID)
def test_builds_with_trainable_params_and_a_frozen_base(name: str, arch: str, tmp_path_factory):
    c, method = cell(name, arch, tmp_path_factory), METHODS.get(name)
    if not method.trains:
        assert c.trainable == 0
    elif method.family == "full-parameter":
        assert c.trainable == c.total
    else:
        assert 0 < c.trainable < c.total
        assert not c.unfrozen_base, f"base weights left trainable: {c.unfrozen_base}"


@pytest.mark.parametrize(("name", "arch"), GRID)
def test_identity_at_init_when_claimed(name: str, arch: str, tmp_path_factory) -> None:
    if not METHODS.get(name).identity_at_init:
        pytest.skip(f"{name} does not claim to start as the base model")
    assert cell(name, arch, tmp_path_factory).identity_gap <= IDENTITY_ATOL


@pytest.mark.parametrize(("name", "arch"), GRID)
def test_one_step_changes_only_trainable_params(name: str, arch: str, tmp_path_factory) -> None:
    if not METHODS.get(name).trains:
        pytest.skip(f"{name} does not train")
    c = cell(name, arch, tmp_path_factory)
    assert c.changed_by_one_step, "one optimizer step changed nothing"
    assert c.changed_by_one_step <= c.trainable_names, c.changed_by_one_step - c.trainable_names


@pytest.mark.parametrize(("name", "arch"), GRID)
def test_a_few_steps_lower_the_loss(name: str, arch: str, tmp_path_factory) -> None:
    if not METHODS.get(name).trains:
        pytest.skip(f"{name} does not train")
    c = cell(name, arch, tmp_path_factory)
    assert c.loss_after < c.loss_before, (c.loss_before, c.loss_after)


@pytest.mark.parametrize(("name", "arch"), GRID)
def test_generation_after_training_differs_from_the_base(name: str, arch: str, tmp_path_factory):
    c, method = cell(name, arch, tmp_path_factory), METHODS.get(name)
    if method.trains:
        assert c.generation_trained != c.generation_base, f"unchanged after {c.steps} steps"
    else:
        assert c.generation_trained == c.generation_base


@pytest.mark.parametrize(("name", "arch"), GRID)
def test_save_then_load_reproduces_outputs(name: str, arch: str, tmp_path_factory) -> None:
    if not METHODS.get(name).trains:
        pytest.skip(f"{name} does not train, so it saves nothing")
    assert cell(name, arch, tmp_path_factory).reload_gap <= RELOAD_ATOL


@pytest.mark.parametrize(("name", "arch"), GRID)
def test_merged_logits_agree_with_unmerged(name: str, arch: str, tmp_path_factory) -> None:
    if not METHODS.get(name).mergeable:
        pytest.skip(f"{name} cannot merge")
    assert cell(name, arch, tmp_path_factory).merge_gap <= MERGE_ATOL


@pytest.mark.skipif(CUDA, reason="the machine has a CUDA GPU")
def test_gpu_methods_say_what_is_missing() -> None:
    gpu_methods = [m for m in METHODS if m.needs_gpu]
    assert "qlora" in {m.name for m in gpu_methods}
    for method in gpu_methods:
        loaded = build_tiny("llama")
        with pytest.raises(UserError, match="CUDA GPU"):
            method.build(loaded.model, loaded, Method.build_params(method.params()))
