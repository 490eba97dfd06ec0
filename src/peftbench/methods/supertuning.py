"""Super-tuning: the largest-magnitude 1% of each targeted weight's entries train (as deltas
starting at zero).

Through peft's `SupertuningConfig`.

nn.Linear only in peft: GPT-2's Conv1D targets are converted to Linear first.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="supertuning",
        config="SupertuningConfig",
        linear_only=True,
        family="selective",
        description="trains the 1% largest-magnitude entries of each weight",
        preset={
            "learning_rate": 0.001,
            "sparsity": 0.99,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=True,
        identity_at_init=True,
        source="peft defaults (sparsity 0.99, top magnitude); lr 1e-3 documented default",
    )
)
