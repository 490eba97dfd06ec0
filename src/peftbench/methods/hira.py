"""HiRA (Hadamard high-rank adaptation): dW = W0 * (B A), a high-rank update from a rank-r product.
r=16 as the paper's LoRA. lr 5e-4: the update is scaled elementwise by W0, so at the LoRA rate
(5e-5) SmolLM2-135M's held-out loss moved 1.3% in 10 steps (LoRA's 11%); at 5e-4, 13%.

Through peft's `HiraConfig`.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="hira",
        config="HiraConfig",
        family="reparameterised",
        description="high-rank update: Hadamard product of the weight and a low-rank matrix",
        preset={"learning_rate": 5e-4, "r": 16, "target_modules": list(PAPER_ROLES)},
        mergeable=True,
        identity_at_init=True,
        source="the paper's LoRA rank; lr 5e-4 (calibrated on SmolLM2-135M)",
    )
)
