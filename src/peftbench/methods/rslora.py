"""rsLoRA (Kalajdzievski 2023): LoRA scaled by alpha/sqrt(r) instead of alpha/r.

The rank-stabilised scaling keeps the update's size independent of the rank, so higher ranks
learn. Same preset as the paper's LoRA (r=16, alpha=16: scale 4 instead of 1), through peft's
`LoraConfig(use_rslora=True)`.
"""

from __future__ import annotations

from peftbench.methods._peft import LORA_PAPER, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="rslora",
        config="LoraConfig",
        fixed={"use_rslora": True},
        family="reparameterised",
        description="rank-stabilised LoRA: update scaled by alpha/sqrt(r)",
        preset=LORA_PAPER,
        mergeable=True,
        identity_at_init=True,
        source="PEFT-Bench paper's LoRA preset (r=16, alpha=16, k/v/down_proj, lr 5e-5)",
    )
)
