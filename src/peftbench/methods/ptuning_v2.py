"""P-tuning v2 (Liu et al. 2022): deep prompts, i.e. trainable key/value prefixes in every layer
trained directly, without prefix tuning's MLP reparameterisation.

Through peft's `PrefixTuningConfig(prefix_projection=False)` (what P-tuning v2 is in peft).
32 virtual tokens, as the PEFT-Bench prefix-tuning preset, so the two differ only in the
reparameterisation; lr 5e-3, the low end of the P-tuning v2 paper's sweep {5e-3, 7e-3, 1e-2}
(deep prompts without reparameterisation need large steps).
"""

from __future__ import annotations

from peftbench.methods._peft import peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="ptuning_v2",
        config="PrefixTuningConfig",
        fixed={"prefix_projection": False},
        family="prompt",
        description="deep prompts: per-layer key/value prefixes trained directly (no MLP)",
        preset={"learning_rate": 5e-3, "num_virtual_tokens": 32},
        mergeable=False,
        source="P-tuning v2 paper (lr from its sweep); 32 tokens as the paper's prefix tuning",
    )
)
