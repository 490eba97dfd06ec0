"""LN tuning (Zhao et al. 2023): train only the layer norms, through peft's `LNTuningConfig`.

peft trains copies of the targeted norm modules, so the base stays intact and the tuned norms
save as an adapter. Targets: the per-layer norms and the final norm (peft's own default for
Llama-style models). Trainable parameters: the targeted norms' weights (and biases, for GPT-2's
LayerNorm). Learning rate 5e-5 as in the PEFT-Bench paper.
"""

from __future__ import annotations

from peftbench.methods._peft import peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="lntuning",
        config="LNTuningConfig",
        family="selective",
        description="trains only the layer-norm parameters (per-layer and final norms)",
        preset={"learning_rate": 5e-5, "target_modules": ["norm", "final_norm"]},
        sources={
            "learning_rate": "PEFT-Bench (examples/peftbench/lntuning/llama-3-8b-instruct/"
            "train.yaml): learning_rate 5.0e-5",
            "target_modules": "PEFT-Bench sets none, so peft's Llama default: input_layernorm, "
            "post_attention_layernorm and the final norm",
        },
        mergeable=True,
        identity_at_init=True,
        source="PEFT-Bench paper (lr 5e-5); peft's default LN-tuning targets",
    )
)
