"""TinyLoRA: a tiny trainable vector per module, projected through fixed random tensors into the
frozen rank-r SVD of the weight.

Through peft's `TinyLoraConfig`.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="tinylora",
        config="TinyLoraConfig",
        family="reparameterised",
        description="a tiny trainable vector projected through the frozen SVD of each weight",
        preset={
            "learning_rate": 0.01,
            "r": 2,
            "u": 64,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=True,
        identity_at_init=True,
        source="peft defaults (r=2, u=64); lr 1e-2 documented default (few parameters)",
    )
)
