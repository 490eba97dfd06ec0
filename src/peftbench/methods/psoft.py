"""PSOFT: an r x r orthogonal transformation between frozen SVD-initialised factors A and B
(dW = B (R - I) A); only R and scaling vectors train.

Through peft's `PsoftConfig`.

nn.Linear only in peft: GPT-2's Conv1D targets are converted to Linear first.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="psoft",
        config="PsoftConfig",
        linear_only=True,
        family="orthogonal",
        description="orthogonal r x r transform inside the principal subspace of each weight",
        preset={
            "learning_rate": 0.0001,
            "r": 32,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=True,
        identity_at_init=True,
        source="peft defaults (r=32); lr 1e-4 as the other orthogonal methods",
    )
)
