"""LoRA (Hu et al. 2021) through HF peft, with the PEFT-Bench preset."""

from __future__ import annotations

from peftbench.methods._peft import LORA_PAPER, LORA_PAPER_SOURCES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="lora",
        config="LoraConfig",
        family="reparameterised",
        description="low-rank update B@A on the target projections (B starts at zero)",
        preset=LORA_PAPER,
        sources=LORA_PAPER_SOURCES,
        mergeable=True,
        identity_at_init=True,
        source="PEFT-Bench paper (r=16, alpha=16, dropout 0.05, k/v/down_proj, lr 5e-5)",
    )
)
