"""LoHa (Hyeon-Woo et al. 2022, LyCORIS): the update is the Hadamard product of two low-rank
products, so rank r costs 2x LoRA's parameters but reaches rank r^2. Through peft's
`LoHaConfig` (nn.Linear only: GPT-2's Conv1D targets are converted to Linear first).

r=8, alpha=8 (peft's defaults), on the paper's LoRA targets: one of the two products starts at
zero, so the model is unchanged at init, and the Hadamard product makes the start slow: at the
paper's LoRA rate (5e-5) SmolLM2-135M's held-out loss moved 0.6% in 10 steps (LoRA's 11%);
lr 5e-4 moves it 6.7%.
"""

from __future__ import annotations

from peftbench.methods._peft import PAPER_ROLES, peft_method
from peftbench.methods.base import register

register(
    peft_method(
        name="loha",
        config="LoHaConfig",
        linear_only=True,
        family="reparameterised",
        description="Hadamard product of two low-rank updates (rank up to r^2)",
        preset={"learning_rate": 5e-4, "r": 8, "alpha": 8, "target_modules": list(PAPER_ROLES)},
        mergeable=True,
        identity_at_init=True,
        source="peft defaults (r=8, alpha=8); lr 5e-4 (calibrated on SmolLM2-135M)",
    )
)
