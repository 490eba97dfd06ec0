"""WaveFT: the update is the inverse wavelet transform of a few learned coefficients at fixed
random positions. 1000 coefficients per weight (as FourierFT's preset; peft's default 2592
exceeds the tiny test models' weights).

Through peft's `WaveFTConfig`.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="waveft",
        config="WaveFTConfig",
        family="reparameterised",
        description="weight update from learned sparse wavelet coefficients",
        preset={
            "learning_rate": 0.001,
            "n_frequency": 1000,
            "scaling": 25.0,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=True,
        identity_at_init=True,
        source="1000 coefficients, peft's scaling 25; lr 1e-3 documented default",
    )
)
