"""GaLore (Zhao et al. 2024): full-parameter training with gradients projected to low rank.

All parameters train (so the trainable count equals the model's); what GaLore saves is optimizer
memory, which the peak-training-memory measurement shows. The method is its optimizer
(`peftbench.methods.native.galore.GaLoreAdamW`, used through `Method.optimizer`): the weights of
the attention and FFN projections get projected updates, everything else plain AdamW. Like
`full`, a run does not save the trained weights.

Preset: rank 16, projection refreshed every 200 steps, scale 2: a documented fine-tuning setting
(the paper pre-trains with scale 0.25 and lr 1e-2, and fine-tunes with small ranks and larger
scales); lr 2e-5 as `full`, since GaLore updates every weight.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peftbench.methods._checks import integer, names, number
from peftbench.methods.base import Method, Params, register
from peftbench.methods.full import load, train_everything
from peftbench.models.targets import resolve_targets

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch.nn import Module
    from torch.optim import Optimizer

    from peftbench.models.base import LoadedModel


def build(model: Module, loaded: LoadedModel, params: Params) -> Module:
    return train_everything(model, "GaLore")


def optimizer(
    model: Module, params: Params, learning_rate: float, weight_decay: float
) -> Optimizer:
    from peftbench.methods.native.galore import GaLoreAdamW, galore_param_groups

    groups = galore_param_groups(
        model,
        resolve_targets(model.config.model_type, names(params["target_modules"], "target_modules")),
        rank=integer(params, "rank"),
        update_proj_gap=integer(params, "update_proj_gap"),
        scale=float(number(params, "scale")),
    )
    return GaLoreAdamW(groups, lr=learning_rate, weight_decay=weight_decay)


register(
    Method(
        name="galore",
        family="full-parameter",
        provider="native",
        description="full-parameter training with gradients projected to a rank-16 subspace",
        build=build,
        load=load,
        optimizer=optimizer,
        preset={
            "learning_rate": 2e-5,
            "rank": 16,
            "update_proj_gap": 200,
            "scale": 2.0,
            "target_modules": ["query", "key", "value", "attn_out", "ffn_in", "ffn_out"],
        },
        identity_at_init=True,
        source="documented default (rank 16, gap 200, scale 2; lr 2e-5 as full)",
    )
)
