"""RandLoRA (Albert et al. 2025): full-rank updates from many frozen random low-rank bases
combined with trained diagonal scalings. Through peft's `RandLoraConfig`.

r=32 and alpha 640 (peft's defaults; alpha = 20 r) on the paper's LoRA targets; the trained
scalings start so that the model is unchanged at init. lr 5e-5 as the paper's LoRA (the large
alpha already amplifies the update).
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="randlora",
        config="RandLoraConfig",
        family="reparameterised",
        description="full-rank update from frozen random bases with trained diagonal scalings",
        preset={
            "learning_rate": 5e-5,
            "r": 32,
            "randlora_alpha": 640,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=True,
        identity_at_init=True,
        source="peft defaults (r=32, alpha=640); the paper's LoRA lr 5e-5",
    )
)
