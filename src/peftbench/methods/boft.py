"""BOFT (Liu et al. 2024): orthogonal fine-tuning with butterfly-factorised rotations.

Each targeted weight is multiplied by a learned orthogonal matrix built from `n_butterfly_factor`
sparse butterfly factors of `block_size` blocks, which reaches a dense rotation with few
parameters. Through peft's `BOFTConfig` (nn.Linear only: GPT-2's Conv1D targets are converted to
Linear first). Block size 8 with 2 butterfly factors (the paper's LLM setting "m=2, b=8"), on the
paper's LoRA targets. lr 1e-4: orthogonal methods rotate pretrained weights and take LoRA-sized
steps; 1e-4 is a documented default, not the paper's (which tuned per task).
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="boft",
        config="BOFTConfig",
        linear_only=True,
        family="orthogonal",
        description="learned butterfly-factorised orthogonal rotation of each weight",
        preset={
            "learning_rate": 1e-4,
            "boft_block_size": 8,
            "boft_n_butterfly_factor": 2,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=True,
        identity_at_init=True,
        source="BOFT paper's LLM setting (m=2, b=8); lr 1e-4 documented default",
    )
)
