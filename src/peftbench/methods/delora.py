"""DeLoRA (decoupled low-rank adaptation): LoRA whose normalised update is scaled by a learned
boundary lambda, decoupling the angle of the update from its strength.

Through peft's `DeloraConfig`.

nn.Linear only in peft: GPT-2's Conv1D targets are converted to Linear first.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="delora",
        config="DeloraConfig",
        linear_only=True,
        family="reparameterised",
        description="LoRA with normalised factors and a learned bound on the update norm",
        preset={
            "learning_rate": 5e-05,
            "r": 8,
            "delora_lambda": 15,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=True,
        identity_at_init=True,
        source="peft defaults (r=8, lambda 15); the paper's LoRA lr",
    )
)
