"""HRA (Yuan et al. 2024): Householder reflection adaptation, an orthogonal update built from r
learned Householder reflections per weight.

Through peft's `HRAConfig` (nn.Linear only: GPT-2's Conv1D targets are converted to Linear
first). r=8 (even, so peft's paired initialisation makes the product the identity at init), on
the paper's LoRA targets. lr 1e-4, a documented default as for the other orthogonal methods.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="hra",
        config="HRAConfig",
        linear_only=True,
        family="orthogonal",
        description="product of r learned Householder reflections applied to each weight",
        preset={"learning_rate": 1e-4, "r": 8, "target_modules": list(PAPER_ROLES)},
        mergeable=True,
        identity_at_init=True,
        source="peft defaults (r=8); lr 1e-4 documented default",
    )
)
