"""VB-LoRA (Li et al. 2024): LoRA matrices assembled from a shared bank of vectors; each
sub-vector is a top-k mixture of bank vectors chosen by learned logits. Through peft's
`VBLoRAConfig`.

r=4, top-2 (the paper's choice), 256 bank vectors of length 32. The vector length must divide
every targeted in/out width; 32 divides those of Llama-3, SmolLM2, Gemma-3, Qwen3, GPT-2
and the tiny test models
(peft's default 256 does not divide GPT-2's or SmolLM2's). lr 1e-3, a documented default.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="vblora",
        config="VBLoRAConfig",
        family="reparameterised",
        description="LoRA factors composed from a shared vector bank by learned top-k logits",
        preset={
            "learning_rate": 1e-3,
            "r": 4,
            "topk": 2,
            "num_vectors": 256,
            "vector_length": 32,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=True,
        source="VB-LoRA paper (r=4, top-2); vector length 32 to fit all listed models",
    )
)
