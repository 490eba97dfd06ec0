"""LoRA (Hu et al. 2021) through HF peft, with the PEFT-Bench preset."""

from __future__ import annotations

from typing import Any

from peftbench.methods.base import Method, register
from peftbench.models.targets import resolve_targets


def build(model: Any, loaded: Any, params: dict[str, Any]) -> Any:
    from peft import LoraConfig, TaskType, get_peft_model

    p = dict(params)
    targets = resolve_targets(loaded.model_type, p.pop("target_modules"))
    return get_peft_model(
        model, LoraConfig(task_type=TaskType.CAUSAL_LM, target_modules=targets, **p)
    )


register(
    Method(
        name="lora",
        family="reparameterised",
        provider="peft",
        description="low-rank update B@A on the target projections (B starts at zero)",
        build=build,
        preset={
            "learning_rate": 5e-5,
            "r": 16,
            "lora_alpha": 16,
            "lora_dropout": 0.05,
            "target_modules": ["key", "value", "ffn_out"],
        },
        mergeable=True,
        identity_at_init=True,
        source="PEFT-Bench paper (r=16, alpha=16, dropout 0.05, k/v/down_proj, lr 5e-5)",
    )
)
