"""BitFit (Ben Zaken et al. 2022): train only the bias terms, with the PEFT-Bench preset.

Implemented natively (`peftbench.methods.native.bitfit`), since HF peft has no true BitFit.
Existing biases of the attention and FFN projections are trained; projections without one (the
Llama family has none) get a zero-initialised bias, so the starting model is unchanged (the
original code initialised them randomly). Which modules got one is in the adapter config's
`added_bias_modules` (and `model.base_model.added_bias_modules`), for the run record.
"""

from __future__ import annotations

from typing import Any

from peftbench.methods._peft import load_after_import
from peftbench.methods.base import Method, register
from peftbench.models.targets import resolve_targets


def build(model: Any, loaded: Any, params: dict[str, Any]) -> Any:
    from peft import TaskType, get_peft_model

    from peftbench.methods.native.bitfit import BitFitConfig

    p = dict(params)
    targets = resolve_targets(loaded.model_type, p.pop("target_modules"))
    return get_peft_model(
        model, BitFitConfig(task_type=TaskType.CAUSAL_LM, target_modules=targets, **p)
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
        },
        mergeable=True,
        identity_at_init=True,
        source="PEFT-Bench paper (lr 5e-5); zero-initialised added biases (spec section 3)",
    )
)
