"""SHiRA (sparse high-rank adapter): a fixed random sparse mask of each weight trains, with as
many entries as LoRA of rank r would have (r=16 as the paper's LoRA).

Through peft's `ShiraConfig`.

nn.Linear only in peft: GPT-2's Conv1D targets are converted to Linear first.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="shira",
        config="ShiraConfig",
        linear_only=True,
        family="reparameterised",
        description="sparse high-rank adapter: a fixed random sparse set of weight entries trains",
        preset={"learning_rate": 0.001, "r": 16, "target_modules": list(PAPER_ROLES)},
        mergeable=True,
        identity_at_init=True,
        source="the paper's LoRA budget (r=16); lr 1e-3 documented default",
    )
)
