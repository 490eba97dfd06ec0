"""DoRA (Liu et al. 2024): LoRA on the direction of each weight plus a trained magnitude vector.

Same preset as the paper's LoRA (DoRA's authors reuse LoRA's settings), so the comparison shows
what the magnitude/direction split adds. Through HF peft (`LoraConfig(use_dora=True)`).
"""

from __future__ import annotations

from peftbench.methods._peft import LORA_PAPER, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="dora",
        config="LoraConfig",
        fixed={"use_dora": True},
        family="reparameterised",
        description="weight-decomposed LoRA: low-rank update of the direction + trained magnitudes",
        preset=LORA_PAPER,
        mergeable=True,
        identity_at_init=True,
        source="PEFT-Bench paper's LoRA preset (r=16, alpha=16, k/v/down_proj, lr 5e-5)",
    )
)
