"""OFT (Qiu et al. 2023): orthogonal fine-tuning, a learned block-diagonal rotation per weight.

Through peft's `OFTConfig` (Cayley-Neumann parameterisation, nn.Linear only: GPT-2's Conv1D
targets are converted to Linear first). Block size 32 (peft's default), on the paper's LoRA
targets; the rotation starts at the identity. lr 1e-4: a documented default of the same order as
LoRA's (OFT rotates pretrained weights rather than adding fresh modules).
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="oft",
        config="OFTConfig",
        linear_only=True,
        family="orthogonal",
        description="learned block-diagonal orthogonal rotation of each weight",
        preset={"learning_rate": 1e-4, "oft_block_size": 32, "target_modules": list(PAPER_ROLES)},
        mergeable=True,
        identity_at_init=True,
        source="peft defaults (block size 32); lr 1e-4 documented default",
    )
)
