"""Shared set-up for the benchmark scripts: the default model, LoRA, and real training batches."""

from __future__ import annotations

import os
import warnings
from typing import Any

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
warnings.filterwarnings("ignore")


def lora_model(model_name: str = "smollm2-135m") -> tuple[Any, Any]:
    """(peft LoRA model, LoadedModel) with the LoRA preset on the default model."""
    from peftbench.methods import METHODS, Method
    from peftbench.models.hub import resolve

    loaded = resolve(model_name).load({})
    method = METHODS.get("lora")
    model = method.build(loaded.model, loaded, Method.build_params(method.preset))
    return model, loaded


def examples(dataset: str, split: str, n: int) -> tuple[Any, list[Any]]:
    from peftbench.cache import cache_dir
    from peftbench.datasets import DATASETS, LoadContext

    spec = DATASETS.get(dataset)
    return spec, spec.load(split, LoadContext(cache_dir()))[:n]
