"""Bottleneck adapters (Houlsby et al. 2019; Pfeiffer et al. 2021; parallel, He et al. 2022).

Implemented natively (`peftbench.methods.native.bottleneck`), since HF peft has none. Three
methods, one per placement, so each preset names the modules its placement wraps:

- `adapter` (Houlsby): sequential adapters after the attention-output and FFN-output projections;
- `adapter_pfeiffer`: a sequential adapter after the FFN-output projection only;
- `adapter_parallel`: an adapter beside the whole FFN block, reading the block's input.

Learning rate 3e-4: the PEFT-Bench paper gives none for adapters. Adapters add freshly
initialised modules (random down-projection, zero up-projection) that must learn from scratch, so
the adapter literature trains them an order of magnitude faster than the 5e-5 used for methods
that nudge pretrained weights; 3e-4 is the middle of Houlsby et al.'s sweep {3e-5, 3e-4, 3e-3}.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from peftbench.methods._checks import at_least, integer, names, number, one_of, text
from peftbench.methods._peft import load_after_import
from peftbench.methods.base import Method, Params, register
from peftbench.methods.native import PLACEMENT_ROLES
from peftbench.models.targets import resolve_targets

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch.nn import Module

    from peftbench.models.base import LoadedModel


def build(model: Module, loaded: LoadedModel, params: Params) -> Module:
    from peft import TaskType, get_peft_model

    from peftbench.methods.native.bottleneck import BottleneckConfig

    placement = text(params.get("placement", "houlsby"), "placement")
    roles = params.get("target_modules") or PLACEMENT_ROLES[placement]
    config = BottleneckConfig(
        task_type=TaskType.CAUSAL_LM,
        placement=placement,
        target_modules=resolve_targets(loaded.model_type, names(roles, "target_modules")),
        reduction_factor=integer(params, "reduction_factor"),
        non_linearity=text(params["non_linearity"], "non_linearity"),
        scaling=number(params, "scaling"),
    )
    return get_peft_model(model, config)


# Activations a suite may name (transformers' ACT2FN names; checked without importing torch).
NON_LINEARITIES = ("relu", "gelu", "gelu_new", "silu", "swish", "tanh", "sigmoid", "leaky_relu")


def check(params: Mapping[str, object], where: str) -> None:
    at_least(f"{where}.reduction_factor", params["reduction_factor"], 1)
    one_of(f"{where}.non_linearity", params["non_linearity"], NON_LINEARITIES)
    one_of(f"{where}.placement", params["placement"], tuple(PLACEMENT_ROLES))
    at_least(f"{where}.scaling", params["scaling"], 0.0)


_DESCRIPTIONS = {
    "houlsby": "bottleneck adapters after attention output and FFN output (Houlsby placement)",
    "pfeiffer": "bottleneck adapter after the FFN output only (Pfeiffer placement)",
    "parallel": "bottleneck adapter in parallel to the FFN block, reading its input",
}

for _name, _placement in (
    ("adapter", "houlsby"),
    ("adapter_pfeiffer", "pfeiffer"),
    ("adapter_parallel", "parallel"),
):
    register(
        Method(
            name=_name,
            family="additive",
            provider="native",
            description=_DESCRIPTIONS[_placement] + "; up-projection starts at zero",
            build=build,
            load=load_after_import("peftbench.methods.native.bottleneck"),
            preset={
                "learning_rate": 3e-4,
                "reduction_factor": 16,
                "placement": _placement,
                "non_linearity": "relu",
                "scaling": 1.0,
                "target_modules": list(PLACEMENT_ROLES[_placement]),
            },
            sources={
                "learning_rate": "Houlsby et al. 2019's sweep {3e-5, 3e-4, 3e-3} (middle); "
                "PEFT-Bench's configured adapter (2e-6) is not in its tables",
                "reduction_factor": "adapter literature and PEFT-Bench's bn-adapter config: 16",
                "placement": "the method's placement (Houlsby / Pfeiffer / parallel)",
                "non_linearity": "Houlsby et al. / AdapterHub default: ReLU",
                "scaling": "1.0: the adapter's output added unscaled (Houlsby et al.)",
                "target_modules": "the placement's modules (methods/native/__init__.py)",
            },
            check=check,
            mergeable=False,
            identity_at_init=True,
            source="adapter literature (reduction 16, ReLU; lr 3e-4 from Houlsby et al.'s sweep)",
        )
    )
