"""PiSSA (Meng et al. 2024): LoRA initialised from the principal singular vectors of each weight.

A and B start as the top-r singular directions of W, and the base weight becomes the residual
W - BA, so the model is unchanged at init but training moves the principal subspace. Through
peft's `LoraConfig(init_lora_weights="pissa")`, the exact SVD: it is deterministic, so loading
a saved adapter onto a fresh base recomputes the same residual and reproduces the trained model
(peft's fast randomised SVD, `pissa_niter_k`, would not). The base weights are rewritten at
build time; they stay frozen. Same preset as the paper's LoRA (alpha = r, as PiSSA prescribes).
"""

from __future__ import annotations

from peftbench.methods._peft import LORA_PAPER, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="pissa",
        config="LoraConfig",
        fixed={"init_lora_weights": "pissa"},
        family="reparameterised",
        description="LoRA initialised from the top-r singular vectors; base becomes the residual",
        preset=LORA_PAPER,
        mergeable=True,
        identity_at_init=True,
        source="PEFT-Bench paper's LoRA preset (r=16 = alpha, k/v/down_proj, lr 5e-5)",
    )
)
