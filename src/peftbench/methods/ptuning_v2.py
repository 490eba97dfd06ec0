"""P-tuning v2 (Liu et al. 2022): deep prompts, i.e. trainable key/value prefixes in every layer
trained directly, without prefix tuning's MLP reparameterisation.

Through peft's `PrefixTuningConfig(prefix_projection=False)` (what P-tuning v2 is in peft).
32 virtual tokens, as the PEFT-Bench prefix-tuning preset, so the two differ only in the
reparameterisation; lr 5e-3, the low end of the P-tuning v2 paper's sweep {5e-3, 7e-3, 1e-2}
(deep prompts without reparameterisation need large steps). The prefixes start as the base
model's key/value cache of a neutral instruction text (`_peft.kv_prefix_from_text`), not peft's
random N(0, 1) values, which wreck a causal LM before training starts.
"""

from __future__ import annotations

from peftbench.methods._peft import kv_prefix_from_text, peft_build
from peftbench.methods.base import Method, register

register(
    Method(
        name="ptuning_v2",
        family="prompt",
        provider="peft",
        description="deep prompts: per-layer key/value prefixes trained directly (no MLP)",
        build=kv_prefix_from_text(
            peft_build("PrefixTuningConfig", fixed={"prefix_projection": False})
        ),
        preset={"learning_rate": 5e-3, "num_virtual_tokens": 32},
        source="P-tuning v2 paper (lr from its sweep); 32 tokens as the paper's prefix tuning; "
        "KV prefix initialised from text",
    )
)
