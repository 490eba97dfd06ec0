"""AdaLoRA (Zhang et al. 2023): LoRA in SVD form whose rank budget is reallocated during
training, from init_r per module down to an average of target_r, by importance scores.

Through peft's `AdaLoraConfig`. The budget schedule needs the total number of steps and a call
after every optimizer step (`update_and_allocate`, before gradients are cleared); the training
loop gives both through `Method.step_hook`. The schedule's warm-up and final phases are given as
fractions of training (`tinit_fraction`, `tfinal_fraction`) so one preset fits any run length.
init_r 12 -> target_r 8 and orthogonality weight 0.5 are peft's (and the paper's) defaults;
alpha 16 as the paper's LoRA. The model is unchanged at init (E starts at zero and A, B are
small), which also makes AdaLoRA start slowly: at the paper's LoRA rate (5e-5) and at 5e-4 the
held-out loss of SmolLM2-135M did not move in 10 steps (0.2%, where LoRA's dropped 11%); lr 2e-3
(about twice the top of the AdaLoRA paper's GLUE range) moves it (3.5%), 5e-3 more (40%).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peftbench.methods._checks import number
from peftbench.methods._peft import PAPER_ROLES, peft_build
from peftbench.methods.base import Method, Params, register

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch.nn import Module

    from peftbench.models.base import LoadedModel

_SCHEDULE_KEYS = ("tinit_fraction", "tfinal_fraction")
_build = peft_build("AdaLoraConfig")


def build(model: Module, loaded: LoadedModel, params: Params) -> Module:
    p = {k: v for k, v in params.items() if k not in _SCHEDULE_KEYS}
    # A valid placeholder schedule; `step_hook` sets the run's real one at the first step.
    return _build(model, loaded, {**p, "total_step": 1, "tinit": 0, "tfinal": 0})


def schedule(total_steps: int, params: Params) -> tuple[int, int]:
    """(tinit, tfinal) in steps, leaving at least one step of budget reallocation."""
    tinit = int(float(number(params, "tinit_fraction")) * total_steps)
    tfinal = int(float(number(params, "tfinal_fraction")) * total_steps)
    while tinit + tfinal >= total_steps and (tinit or tfinal):
        if tfinal >= tinit:
            tfinal -= 1
        else:
            tinit -= 1
    return tinit, tfinal


def step_hook(model: Module, params: Params, step: int, total_steps: int) -> None:
    tuner = model.base_model
    config = tuner.peft_config[tuner.trainable_adapter_name]
    if config.total_step != total_steps:
        config.total_step = total_steps
        config.tinit, config.tfinal = schedule(total_steps, params)
    tuner.update_and_allocate(step)


register(
    Method(
        name="adalora",
        family="reparameterised",
        provider="peft",
        description="SVD-form LoRA with the rank budget reallocated by importance during training",
        build=build,
        preset={
            "learning_rate": 2e-3,
            "init_r": 12,
            "target_r": 8,
            "lora_alpha": 16,
            "orth_reg_weight": 0.5,
            "tinit_fraction": 0.1,
            "tfinal_fraction": 0.2,
            "deltaT": 1,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=True,
        identity_at_init=True,
        step_hook=step_hook,
        source="AdaLoRA defaults (init_r 12, target_r 8); lr 2e-3 (calibrated on SmolLM2-135M)",
    )
)
