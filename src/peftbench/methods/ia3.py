"""IA3 (Liu et al. 2022) through HF peft, with the PEFT-Bench preset.

The FFN output projection is passed as a *list* of feed-forward modules, so peft scales its input
(the original passed a string, and down_proj was then not treated as feed-forward).
"""

from __future__ import annotations

from typing import Any

from peftbench.methods.base import Method, register
from peftbench.models.targets import resolve_targets


def build(model: Any, loaded: Any, params: dict[str, Any]) -> Any:
    from peft import IA3Config, TaskType, get_peft_model

    p = dict(params)
    targets = resolve_targets(loaded.model_type, p.pop("target_modules"))
    ff = resolve_targets(loaded.model_type, p.pop("feedforward_modules"))
    return get_peft_model(
        model,
        IA3Config(
            task_type=TaskType.CAUSAL_LM,
            target_modules=targets,
            feedforward_modules=[m for m in ff if m in targets],
            **p,
        ),
    )


register(
    Method(
        name="ia3",
        family="additive",
        provider="peft",
        description="learned rescaling vectors on keys, values and the FFN input (ones at init)",
        build=build,
        preset={
            "learning_rate": 5e-5,
            "target_modules": ["key", "value", "ffn_out"],
            "feedforward_modules": ["ffn_out"],
        },
        mergeable=True,
        identity_at_init=True,
        source="PEFT-Bench paper (k/v/down_proj, down_proj as feed-forward, lr 5e-5)",
    )
)
