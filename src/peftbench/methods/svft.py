"""SVFT (Lingam et al. 2024): train a sparse matrix M in the singular basis of each weight,
dW = U M Vh. Implemented natively (`peftbench.methods.native.svft`), since HF peft has none.

Preset: the plain variant (SVFT-P, M diagonal: one parameter per singular value; `off_diag` > 0
gives the banded variant), on the paper's LoRA targets. lr 1e-2: a documented default; SVFT
trains very few parameters in a fixed basis, like VeRA's vectors, and needs steps of that size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peftbench.methods._checks import integer
from peftbench.methods._peft import PAPER_ROLES, load_after_import, resolve_roles
from peftbench.methods.base import Method, Params, register

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch.nn import Module

    from peftbench.models.base import LoadedModel


def build(model: Module, loaded: LoadedModel, params: Params) -> Module:
    from peft import TaskType, get_peft_model

    from peftbench.methods.native.svft import SVFTConfig

    config = SVFTConfig(
        task_type=TaskType.CAUSAL_LM,
        target_modules=resolve_roles(loaded.model_type, params["target_modules"]),
        off_diag=integer(params, "off_diag"),
    )
    return get_peft_model(model, config)


register(
    Method(
        name="svft",
        family="reparameterised",
        provider="native",
        description="trains a sparse matrix in each weight's singular basis (dW = U M Vh)",
        build=build,
        load=load_after_import("peftbench.methods.native.svft"),
        preset={"learning_rate": 1e-2, "off_diag": 0, "target_modules": list(PAPER_ROLES)},
        mergeable=True,
        identity_at_init=True,
        source="SVFT paper's plain variant; lr 1e-2 documented default",
    )
)
