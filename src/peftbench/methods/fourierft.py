"""FourierFT (Gao et al. 2024): the weight update is the inverse 2-D DFT of a few learned
spectral coefficients at fixed random frequencies. Through peft's `FourierFTConfig`.

1000 frequencies per weight and scaling 300, peft's documented setting for LLaMA-family
instruction tuning, on the paper's LoRA targets. The coefficients start random, so the model is
not unchanged at init. lr 1e-3: a documented default (few coefficients, large scaling).
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="fourierft",
        config="FourierFTConfig",
        family="reparameterised",
        description="weight update from learned coefficients at random 2-D Fourier frequencies",
        preset={
            "learning_rate": 1e-3,
            "n_frequency": 1000,
            "scaling": 300.0,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=True,
        source="peft's documented LLaMA instruction-tuning setting (1000 freq., scaling 300)",
    )
)
