"""Cartridges: a trainable KV-cache prefix served as past key/values, like P-tuning v2's deep
prompts, with the first virtual token frozen. Trained here with the task loss (the paper's
self-study distillation is a training recipe, not part of the adapter). 32 tokens and lr 5e-3 as
`ptuning_v2`.

Through peft's `CartridgeConfig`.
"""

from __future__ import annotations

from peftbench.methods._peft import peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="cartridge",
        config="CartridgeConfig",
        family="prompt",
        description="trainable key/value cache prefix (first token frozen as attention sink)",
        preset={"learning_rate": 0.005, "num_virtual_tokens": 32},
        mergeable=False,
        source="same budget as ptuning_v2 (32 tokens, lr 5e-3)",
    )
)
