"""C3A: the weight update is a block-circulant matrix (a circular convolution), applied with FFTs.
Block size 32 divides every targeted width of Llama-3, SmolLM2, Gemma-3, Qwen3, Mistral, GPT-2
and the tiny test models (peft's default 256 does not). lr 1e-2: at 1e-3 SmolLM2-135M's held-out
loss moved 3.6% in 10 steps (the paper's LoRA: 11%); at 1e-2, 31%.

Through peft's `C3AConfig` (nn.Linear only: GPT-2's Conv1D targets are converted to Linear
first). peft initialises the circulant kernels randomly, so the model is not unchanged at init.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="c3a",
        config="C3AConfig",
        linear_only=True,
        family="reparameterised",
        description="weight update as a block-circular convolution",
        preset={
            "learning_rate": 1e-2,
            "block_size": 32,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=True,
        source="block size 32 (fits all listed models); lr 1e-2 (calibrated on SmolLM2-135M)",
    )
)
