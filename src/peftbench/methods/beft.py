"""BEFT (bias-efficient fine-tuning): a trainable additive bias vector per targeted projection.
Not mergeable in general: peft merges it only into layers that already have a bias (Llama has none).

Through peft's `BeftConfig`.

nn.Linear only in peft: GPT-2's Conv1D targets are converted to Linear first.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="beft",
        config="BeftConfig",
        linear_only=True,
        family="selective",
        description="trains a bias-shift vector on each targeted projection",
        preset={"learning_rate": 0.001, "target_modules": list(PAPER_ROLES)},
        mergeable=False,
        identity_at_init=True,
        source="peft defaults; lr 1e-3 documented default (vector parameters)",
    )
)
