"""Lily: each layer has its own down-projection and mixes a small set of up-projections shared by
all layers through a learned router. Not mergeable (peft cannot merge Lily).

Through peft's `LilyConfig`.

nn.Linear only in peft: GPT-2's Conv1D targets are converted to Linear first.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="lily",
        config="LilyConfig",
        linear_only=True,
        family="reparameterised",
        description="low-rank adapters with shared, routed up-projections across layers",
        preset={
            "learning_rate": 5e-05,
            "r": 32,
            "stride_A": 1,
            "num_B": 2,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=False,
        identity_at_init=True,
        source="peft defaults (r=32, 2 shared B); the paper's LoRA lr",
    )
)
