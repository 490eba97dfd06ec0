"""PEANuT: the weight update is produced by a small non-linear network applied to the frozen
weight, so it adapts to the weight's structure.

Through peft's `PeanutConfig`.

nn.Linear only in peft: GPT-2's Conv1D targets are converted to Linear first.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="peanut",
        config="PeanutConfig",
        linear_only=True,
        family="reparameterised",
        description="weight-aware non-linear adapter (update computed from the weight itself)",
        preset={
            "learning_rate": 5e-05,
            "r": 32,
            "depth": 0,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=True,
        identity_at_init=True,
        source="peft defaults (r=32, depth 0); the paper's LoRA lr",
    )
)
