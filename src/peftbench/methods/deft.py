"""DEFT (decompositional efficient fine-tuning): a learned rank-r projection removes part of W's
output space and a learned injection matrix refills it; R starts so that W' = W.

Through peft's `DeftConfig`.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="deft",
        config="DeftConfig",
        family="reparameterised",
        description="residual-projection update W' = (I - P_proj) W + Q_P R",
        preset={"learning_rate": 5e-05, "r": 8, "target_modules": list(PAPER_ROLES)},
        mergeable=True,
        identity_at_init=True,
        source="peft defaults (r=8, relu projection); the paper's LoRA lr",
    )
)
