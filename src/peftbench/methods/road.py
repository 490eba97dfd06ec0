"""RoAd: each targeted output is transformed by learned 2x2 rotations/scalings of element pairs.
Group size 32 divides every targeted width of the listed models and the tiny test models
(peft's default 64 does not).

Through peft's `RoadConfig`.

nn.Linear only in peft: GPT-2's Conv1D targets are converted to Linear first.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="road",
        config="RoadConfig",
        linear_only=True,
        family="orthogonal",
        description="learned 2-D rotations and scales of output-element pairs",
        preset={
            "learning_rate": 0.001,
            "variant": "road_1",
            "group_size": 32,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=True,
        identity_at_init=True,
        source="peft's road_1 variant, group size 32; lr 1e-3 documented default",
    )
)
