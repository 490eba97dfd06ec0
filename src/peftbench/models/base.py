"""Models: a registered `ModelSpec` knows how to load a causal LM and its tokenizer.

Adding a model is one module that registers a `ModelSpec`. Loading happens only inside `load`,
so listing models never imports torch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from peftbench.registry import Registry

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch.nn import Module
    from transformers import PreTrainedTokenizerBase as Tokenizer


@dataclass
class LoadedModel:
    """A loaded base model with what the rest of the pipeline needs to know about it."""

    name: str
    model: Module  # transformers PreTrainedModel
    tokenizer: (
        Tokenizer  # transformers PreTrainedTokenizerBase (pad token set, left padding for eval)
    )
    model_type: str  # config.model_type, the key of the target-module table
    provenance: dict[str, object] = field(default_factory=dict)  # the record's `model` part


# load(options) -> LoadedModel; options: the suite's `model_options` (dtype, trust_remote_code)
LoadFn = Callable[[Mapping[str, object]], LoadedModel]


@dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str
    source: str  # where the weights come from, in words (hub id, package, "built in code")
    load: LoadFn
    needs_gpu: bool = False
    prepare: Callable[[], object] | None = None  # fetch/convert into the cache ahead of the grid
    # The architecture's config (config.json's keys) when it is known without loading anything
    # heavy (no torch), so preflight can check sizes and module names before any run starts.
    config: Callable[[], Mapping[str, object]] | None = None


MODELS: Registry[ModelSpec] = Registry("model", "peftbench.models")


def base_model(model: Module) -> Module:
    """The transformers model under a peft wrapper (the model itself when it has none)."""
    get_base = getattr(model, "get_base_model", None)
    return get_base() if callable(get_base) else model


def register(spec: ModelSpec) -> ModelSpec:
    return MODELS.register(spec)
