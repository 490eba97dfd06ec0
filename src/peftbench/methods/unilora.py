"""Uni-LoRA: all LoRA factors of the model are read from one shared trainable vector through fixed
random index assignments. lr 0.2: one 256-entry vector feeds every adapted weight, through
products of small values; SmolLM2-135M's held-out loss moved 0.1% in 10 steps at 1e-2, 1% at
5e-2 and 12.6% at 0.2 (the paper's LoRA: 11%).

Through peft's `UniLoraConfig`.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="unilora",
        config="UniLoraConfig",
        family="reparameterised",
        description="every LoRA entry indexes one shared trainable vector",
        preset={
            "learning_rate": 2e-1,
            "r": 4,
            "theta_d_length": 256,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=True,
        source="peft defaults (r=4, vector 256); lr 0.2 (calibrated on SmolLM2-135M)",
    )
)
