"""FourierFT (Gao et al. 2024): the weight update is the inverse 2-D DFT of a few learned
spectral coefficients at fixed random frequencies. Through peft's `FourierFTConfig`.

1000 frequencies per weight and scaling 300, peft's documented setting for LLaMA-family
instruction tuning, on the paper's LoRA targets. The coefficients start at zero (peft's
`init_weights=True`): peft's default random spectrum, scaled by 300, raises SmolLM2-135M's answer
loss from 2.2 to 12.8 before training; the update is linear in the coefficients, so it trains
from zero. lr 1e-3: a documented default (few coefficients, large scaling).
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="fourierft",
        config="FourierFTConfig",
        fixed={"init_weights": True},
        family="reparameterised",
        description="weight update from learned coefficients at random 2-D Fourier frequencies",
        preset={
            "learning_rate": 1e-3,
            "n_frequency": 1000,
            "scaling": 300.0,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=True,
        identity_at_init=True,
        source="peft's documented LLaMA instruction-tuning setting (1000 freq., scaling 300)",
    )
)
