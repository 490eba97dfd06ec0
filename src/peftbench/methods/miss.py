"""MiSS (matrix shard sharing, successor of Bone): a small trainable shard shared across the weight
matrix's blocks along the input dimension.

Through peft's `MissConfig`.

nn.Linear only in peft: GPT-2's Conv1D targets are converted to Linear first.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="miss",
        config="MissConfig",
        linear_only=True,
        family="reparameterised",
        description="a shared block of the weight matrix updated along the input dimension",
        preset={"learning_rate": 5e-05, "r": 64, "target_modules": list(PAPER_ROLES)},
        mergeable=True,
        identity_at_init=True,
        source="peft defaults (r=64); the paper's LoRA lr",
    )
)
