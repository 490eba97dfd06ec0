"""PVeRA: VeRA with probabilistic scaling vectors (sampled in training, their mean at inference).
VeRA's preset (r=256, d 0.1, lr 4e-3).

Through peft's `PveraConfig`.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="pvera",
        config="PveraConfig",
        family="reparameterised",
        description="probabilistic VeRA: shared random matrices, trained scaling distributions",
        preset={
            "learning_rate": 0.004,
            "r": 256,
            "d_initial": 0.1,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=True,
        identity_at_init=True,
        source="VeRA's preset (r=256, d_initial 0.1, lr 4e-3)",
    )
)
