"""LoRA+ (Hayou et al. 2024): LoRA whose B matrices learn `loraplus_lr_ratio` times faster than A.

The method is its optimizer: peft's `create_loraplus_optimizer` puts B in a parameter group with
the higher learning rate. The training loop uses it through `Method.optimizer` (AdamW, the
suite's weight decay; the suite's learning-rate schedule still applies). Ratio 16 is the paper's
recommended 2^4; the base learning rate is the paper's LoRA one, so B trains at 8e-4.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peftbench.methods._checks import number
from peftbench.methods._peft import LORA_PAPER, peft_build
from peftbench.methods.base import Method, Params, register

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch.nn import Module
    from torch.optim import Optimizer

    from peftbench.models.base import LoadedModel

_build_lora = peft_build("LoraConfig")


def build(model: Module, loaded: LoadedModel, params: Params) -> Module:
    p = dict(params)
    p.pop("loraplus_lr_ratio")
    return _build_lora(model, loaded, p)


def optimizer(
    model: Module, params: Params, learning_rate: float, weight_decay: float
) -> Optimizer:
    import torch
    from peft.optimizers import create_loraplus_optimizer

    return create_loraplus_optimizer(
        model,
        torch.optim.AdamW,
        lr=learning_rate,
        loraplus_lr_ratio=float(number(params, "loraplus_lr_ratio")),
        weight_decay=weight_decay,
    )


register(
    Method(
        name="loraplus",
        family="reparameterised",
        provider="peft",
        description="LoRA with a 16x higher learning rate for B than for A",
        build=build,
        preset={**LORA_PAPER, "loraplus_lr_ratio": 16.0},
        mergeable=True,
        identity_at_init=True,
        optimizer=optimizer,
        source="PEFT-Bench paper's LoRA preset; lr ratio 16 from the LoRA+ paper",
    )
)
