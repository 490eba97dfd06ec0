"""GraLoRA (granular LoRA): the weight is split into k x k blocks, each with its own low-rank
update; same parameter count as LoRA of rank r with k times the expressivity. r=16 and alpha=16
as the paper's LoRA.

Through peft's `GraloraConfig`.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="gralora",
        config="GraloraConfig",
        family="reparameterised",
        description="granular LoRA: the update split into k x k independently low-rank blocks",
        preset={
            "learning_rate": 5e-05,
            "r": 16,
            "alpha": 16,
            "gralora_k": 2,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=True,
        identity_at_init=True,
        source="the paper's LoRA rank, alpha and lr; k=2 (peft's default)",
    )
)
