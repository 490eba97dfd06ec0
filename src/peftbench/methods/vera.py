"""VeRA (Kopiczko et al. 2024): frozen random low-rank matrices shared by all layers, with
trained per-layer scaling vectors. Through peft's `VeraConfig`.

r=256 (peft's default), d initialised to 0.1 and b to zero (so the model is unchanged at init),
on the paper's LoRA targets. lr 4e-3: VeRA trains a few vectors and needs a learning rate about
ten times LoRA's; 4e-3 is the VeRA paper's instruction-tuning setting.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="vera",
        config="VeraConfig",
        family="reparameterised",
        description="shared frozen random low-rank matrices, trained per-layer scaling vectors",
        preset={
            "learning_rate": 4e-3,
            "r": 256,
            "d_initial": 0.1,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=True,
        identity_at_init=True,
        source="VeRA paper (instruction-tuning lr 4e-3); peft's default r=256",
    )
)
