"""FRoD: each weight is decomposed jointly across layers of the same kind, and a sparse (1%)
pattern of coefficients is trained.

Through peft's `FrodConfig`.

On the paper's LoRA targets (k/v/down_proj), so methods are compared on the same layers.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="frod",
        config="FrodConfig",
        fixed={"progressbar": False},
        family="reparameterised",
        description="fixed hierarchical decomposition with a sparse trainable pattern",
        preset={
            "learning_rate": 0.001,
            "sparse_rate": 0.01,
            "target_modules": list(PAPER_ROLES),
        },
        mergeable=True,
        identity_at_init=True,
        source="peft defaults (sparse rate 0.01); lr 1e-3 documented default",
    )
)
