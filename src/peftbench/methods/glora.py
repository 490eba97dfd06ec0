"""GLoRA (generalised LoRA): W_eff = W0 + W0*A + B, b_eff = b0 + b0*D + E + W0 C, with A and B
low-rank and the bias paths as configured (peft's defaults).

Through peft's `GloraConfig`.

nn.Linear only in peft: GPT-2's Conv1D targets are converted to Linear first.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="glora",
        config="GloraConfig",
        linear_only=True,
        family="reparameterised",
        description="generalised LoRA: W0 + W0*A + B plus a bias path (low-rank or vector parts)",
        preset={"learning_rate": 5e-05, "r": 8, "target_modules": list(PAPER_ROLES)},
        mergeable=True,
        identity_at_init=True,
        source="peft defaults (r=8); the paper's LoRA lr",
    )
)
