"""OSF (orthogonal subspace fine-tuning): the top singular directions of each weight (half of
the rank by default) are frozen and the remaining subspace is trained.

Through peft's `OSFConfig`.

nn.Linear only in peft: GPT-2's Conv1D targets are converted to Linear first.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="osf",
        config="OSFConfig",
        linear_only=True,
        family="reparameterised",
        description="trains the low singular subspace of each weight, the top half frozen",
        preset={"learning_rate": 5e-05, "target_modules": list(PAPER_ROLES)},
        mergeable=True,
        identity_at_init=True,
        source="peft defaults (half the rank frozen); the paper's LoRA lr",
    )
)
