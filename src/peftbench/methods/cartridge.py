"""Cartridges (Eyuboglu et al. 2025): a trainable key/value-cache prefix served as past key/values,
like P-tuning v2's deep prompts, with the first virtual token frozen (an attention sink).

Through peft's `CartridgeConfig`. Initialised, as the paper recommends, from the base model's
cache of real text (`_peft.kv_prefix_from_text`; peft's default is random). Trained here with
the task loss: the paper's self-study distillation is a training recipe, not part of the
adapter, so this method differs from `ptuning_v2` only by the frozen first token. 32 tokens and
lr 5e-3 as `ptuning_v2`.
"""

from __future__ import annotations

from peftbench.methods._peft import kv_prefix_from_text, peft_build
from peftbench.methods.base import Method, register

register(
    Method(
        name="cartridge",
        family="prompt",
        provider="peft",
        description="trainable key/value cache prefix (first token frozen as attention sink)",
        build=kv_prefix_from_text(peft_build("CartridgeConfig")),
        preset={"learning_rate": 5e-3, "num_virtual_tokens": 32},
        source="same budget as ptuning_v2 (32 tokens, lr 5e-3); KV prefix initialised from text",
    )
)
