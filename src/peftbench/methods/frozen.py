"""`frozen`: the base model as it is (zero-shot), the baseline every method must beat."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peftbench.methods.base import Method, Params, register

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch.nn import Module

    from peftbench.models.base import LoadedModel


def build(model: Module, loaded: LoadedModel, params: Params) -> Module:
    for p in model.parameters():
        p.requires_grad_(False)
    return model


register(
    Method(
        name="frozen",
        family="baseline",
        provider="none",
        description="no training: the base model zero-shot",
        build=build,
        preset={},
        trains=False,
        identity_at_init=True,
        source="baseline",
        baseline=True,
    )
)
