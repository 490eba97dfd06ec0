"""Prompt tuning (Lester et al. 2021) through HF peft: trainable virtual input tokens."""

from __future__ import annotations

from typing import Any

from peftbench.methods.base import Method, register


def build(model: Any, loaded: Any, params: dict[str, Any]) -> Any:
    from peft import PromptTuningConfig, TaskType, get_peft_model

    return get_peft_model(model, PromptTuningConfig(task_type=TaskType.CAUSAL_LM, **params))


register(
    Method(
        name="prompt_tuning",
        family="prompt",
        provider="peft",
        description="trainable soft-prompt embeddings prepended to the input",
        build=build,
        preset={"learning_rate": 3e-2, "num_virtual_tokens": 100},
        source="PEFT-Bench paper (100 virtual tokens, lr 3e-2)",
    )
)
