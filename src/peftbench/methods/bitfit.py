"""BitFit (Ben Zaken et al. 2022): train only the bias terms, with the PEFT-Bench preset.

Implemented natively (`peftbench.methods.native.bitfit`), since HF peft has no true BitFit.
Existing biases of the attention and FFN projections are trained; projections without one (the
Llama family has none) get a zero-initialised bias, so the starting model is unchanged (the
original code initialised them randomly). Which modules got one is in the adapter config's
`added_bias_modules` (and `model.base_model.added_bias_modules`), for the run record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from peftbench.errors import UserError
from peftbench.methods._checks import flag, names, one_of, text
from peftbench.methods._peft import load_after_import
from peftbench.methods.base import Method, Params, register
from peftbench.methods.native import BIAS_INITS
from peftbench.models.targets import resolve_targets

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch.nn import Module

    from peftbench.models.base import LoadedModel


def build(model: Module, loaded: LoadedModel, params: Params) -> Module:
    from peft import TaskType, get_peft_model

    from peftbench.methods.native.bitfit import BitFitConfig

    config = BitFitConfig(
        task_type=TaskType.CAUSAL_LM,
        target_modules=resolve_targets(
            loaded.model_type, names(params["target_modules"], "target_modules")
        ),
        add_missing_bias=flag(params, "add_missing_bias"),
        bias_init=text(params["bias_init"], "bias_init"),
    )
    return get_peft_model(model, config)


def identity_with(params: Mapping[str, object]) -> bool:
    """Existing biases start as they are; added ones are the identity only when zero (with
    uniform ones the claim is dropped: an architecture whose targets have biases still starts
    as the base model, since nothing is added)."""
    return params["bias_init"] == "zeros" or not params["add_missing_bias"]


def check(params: Mapping[str, object], where: str) -> None:
    one_of(f"{where}.bias_init", params["bias_init"], BIAS_INITS)
    if not params["target_modules"]:
        raise UserError(
            f"'{where}.target_modules' is empty: BitFit would train nothing",
            "name the projections whose biases train, e.g. [query, value] (PEFT-Bench)",
        )


register(
    Method(
        name="bitfit",
        family="selective",
        provider="native",
        description="trains only the biases of the attention and FFN projections "
        "(zero-initialised biases added where a projection has none)",
        build=build,
        load=load_after_import("peftbench.methods.native.bitfit"),
        preset={
            "learning_rate": 5e-5,
            "target_modules": ["query", "key", "value", "attn_out", "ffn_in", "ffn_out"],
            "add_missing_bias": True,
            "bias_init": "zeros",
        },
        sources={
            "learning_rate": "PEFT-Bench (examples/peftbench/bitfit/llama-3-8b-instruct/"
            "train.yaml): learning_rate 5.0e-5",
            "target_modules": "BitFit (Ben Zaken et al. 2022) trains every bias: all seven "
            "projections here; PEFT-Bench trained q_proj and v_proj only (the `paper` suite)",
            "add_missing_bias": "Llama's projections have no bias; like PEFT-Bench, one is added",
            "bias_init": "peftbench: zeros, so training starts from the base model; PEFT-Bench's "
            "fresh nn.Linear drew U(-1/sqrt(in), 1/sqrt(in)) (`uniform`, the `paper` suite)",
        },
        check=check,
        mergeable=True,
        identity_at_init=True,
        identity_with=identity_with,
        source="PEFT-Bench paper (lr 5e-5); all projections with zero-initialised added biases "
        "(spec section 3); the `paper` suite uses q/v with uniform init, as the original",
    )
)
