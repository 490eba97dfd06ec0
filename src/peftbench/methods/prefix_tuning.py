"""Prefix tuning (Li & Liang 2021) through HF peft: trainable key/value prefixes in every layer.

peft's `generate()` ignores the prefix under transformers 5 (first logits equal the base model's),
so peftbench evaluates with its own decoding loop (evaluation/generate.py), which is tested to
produce the adapted model's output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peftbench.methods.base import Method, Params, register

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch.nn import Module

    from peftbench.models.base import LoadedModel

PAPER = "PEFT-Bench (examples/peftbench/prefix-tuning/llama-3-8b-instruct/train.yaml)"


def build(model: Module, loaded: LoadedModel, params: Params) -> Module:
    from peft import PrefixTuningConfig, TaskType, get_peft_model

    return get_peft_model(model, PrefixTuningConfig(task_type=TaskType.CAUSAL_LM, **params))


register(
    Method(
        name="prefix_tuning",
        family="prompt",
        provider="peft",
        description="trainable per-layer key/value prefixes, reparameterised through an MLP",
        build=build,
        preset={
            "learning_rate": 1e-5,
            "num_virtual_tokens": 32,
            "prefix_projection": True,
            "encoder_hidden_size": 512,
        },
        sources={
            "learning_rate": f"{PAPER}: learning_rate 1.0e-5",
            "num_virtual_tokens": f"{PAPER}: num_virtual_tokens 32",
            "prefix_projection": f"{PAPER}: prefix_projection true",
            "encoder_hidden_size": f"{PAPER}: encoder_hidden_size 512",
        },
        source="PEFT-Bench paper (32 tokens, projection hidden 512, lr 1e-5)",
    )
)
