"""Shared plumbing for methods that are one HF peft config: roles -> module names, GPT-2 Conv1D.

`peft_method(...)` makes the `Method` of one peft config, named by its class *name* (peft is
imported only when a model is built, so `peftbench ls` stays fast): `methods/table.py` calls it
for every entry of `peft_methods.toml`, and method modules with code of their own use it too.

GPT-2 style models use transformers' `Conv1D` (weight stored in x out). peft's LoRA family
handles it with `fan_in_fan_out=True`, which is set here from the architecture table instead of
relying on peft's warning-and-fix. Many newer peft tuners accept only `nn.Linear`; for those
(`linear_only=True`) the targeted Conv1D layers are replaced by numerically equivalent Linear
layers (transposed weight, same bias) before the adapter is injected, and again before a saved
adapter is loaded, so the method runs on GPT-2 too.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from peftbench.methods._checks import names
from peftbench.methods.base import BuildFn, CheckFn, Family, LoadFn, Method, Params
from peftbench.models.targets import resolve_targets, uses_conv1d

if TYPE_CHECKING:  # annotations only
    from pathlib import Path

    from peft import PeftConfig
    from torch.nn import Module

    from peftbench.models.base import LoadedModel

# The modules every weight-based method targets unless its paper says otherwise: the paper's LoRA
# targets (k_proj, v_proj, down_proj on Llama), so methods are compared on the same layers.
PAPER_ROLES = ("key", "value", "ffn_out")
# The PEFT-Bench paper's LoRA preset (docs/methods.md). LoRA variants (DoRA, rsLoRA, PiSSA, LoRA+,
# QLoRA) start from it, so a comparison isolates what the variant changes.
LORA_PAPER: Mapping[str, object] = {
    "learning_rate": 5e-5,
    "r": 16,
    "lora_alpha": 16,
    "lora_dropout": 0.05,
    "target_modules": list(PAPER_ROLES),
}
_LORA_YAML = "PEFT-Bench (examples/peftbench/lora/llama-3-8b-instruct/train.yaml)"
LORA_PAPER_SOURCES: Mapping[str, str] = {
    "learning_rate": f"{_LORA_YAML}: learning_rate 5.0e-5",
    "r": f"{_LORA_YAML}: lora_rank 16",
    "lora_alpha": f"{_LORA_YAML}: lora_alpha 16",
    "lora_dropout": f"{_LORA_YAML}: lora_dropout 0.05",
    "target_modules": f"{_LORA_YAML}: lora_target k_proj, v_proj, down_proj",
}
# Presets the method table names instead of repeating them ("preset = \"lora_paper\""), with
# their per-key sources.
SHARED_PRESETS: Mapping[str, tuple[Mapping[str, object], Mapping[str, str]]] = {
    "lora_paper": (LORA_PAPER, LORA_PAPER_SOURCES),
}


def _matches(name: str, targets: Sequence[str] | str) -> bool:
    """peft's rule: a str is a regex on the full name, a list holds name suffixes."""
    if isinstance(targets, str):
        return re.fullmatch(targets, name) is not None
    return any(name == t or name.endswith("." + t) for t in targets)


def conv1d_to_linear(model: Module, targets: Sequence[str] | str) -> list[str]:
    """Replace the targeted `Conv1D` layers of `model` by equivalent `nn.Linear` layers.

    Returns the names replaced. The Linear holds the transposed weight and the same bias, so
    outputs agree up to float rounding (matmul order).
    """
    import torch
    from transformers.pytorch_utils import Conv1D

    replaced = []
    for name, module in list(model.named_modules()):
        if not isinstance(module, Conv1D) or not _matches(name, targets):
            continue
        n_in, n_out = module.weight.shape
        linear = torch.nn.Linear(
            n_in,
            n_out,
            bias=module.bias is not None,
            device=module.weight.device,
            dtype=module.weight.dtype,
        )
        with torch.no_grad():
            linear.weight.copy_(module.weight.T)
            if module.bias is not None:
                linear.bias.copy_(module.bias)
        linear.requires_grad_(module.weight.requires_grad)
        parent_name, _, child = name.rpartition(".")
        setattr(model.get_submodule(parent_name) if parent_name else model, child, linear)
        replaced.append(name)
    return replaced


def resolve_roles(
    model_type: str, value: object, key: str = "target_modules"
) -> str | list[str] | None:
    """Roles (or module names) -> module names; a str stays a peft regex."""
    if value is None or isinstance(value, str):
        return value
    return resolve_targets(model_type, names(value, key))


def peft_config(
    config_name: str,
    model_type: str,
    params: Mapping[str, object],
    *,
    role_keys: Sequence[str] = ("target_modules",),
    fixed: Mapping[str, object] | None = None,
    linear_only: bool = False,
) -> PeftConfig:
    """The peft config `config_name(task_type=CAUSAL_LM, **params, **fixed)`, roles resolved."""

    import peft

    cls = getattr(peft, config_name)
    kwargs = {**dict(params), **dict(fixed or {})}
    for key in role_keys:
        if key in kwargs:
            kwargs[key] = resolve_roles(model_type, kwargs[key], key)
    fields = {f.name for f in dataclasses.fields(cls)}
    if uses_conv1d(model_type) and not linear_only and "fan_in_fan_out" in fields:
        kwargs.setdefault("fan_in_fan_out", True)
    return cls(task_type=peft.TaskType.CAUSAL_LM, **kwargs)


def peft_build(
    config_name: str,
    *,
    role_keys: Sequence[str] = ("target_modules",),
    fixed: Mapping[str, object] | None = None,
    linear_only: bool = False,
) -> BuildFn:
    """A `build` that wraps the model with one peft config (see `peft_config`)."""

    def build(model: Module, loaded: LoadedModel, params: Params) -> Module:
        from peft import get_peft_model

        config = peft_config(
            config_name,
            loaded.model_type,
            params,
            role_keys=role_keys,
            fixed=fixed,
            linear_only=linear_only,
        )
        if linear_only and uses_conv1d(loaded.model_type):
            conv1d_to_linear(model, config.target_modules)
        return get_peft_model(model, config)

    return build


# Neutral text whose key/value cache initialises trainable KV prefixes (P-tuning v2, Cartridges);
# repeated as often as the prefix needs (it is at least 16 tokens in any tokenizer).
KV_INIT_TEXT = (
    "Read the task below carefully and answer it correctly and concisely, in the requested format. "
)


def kv_prefix_from_text(build: BuildFn) -> BuildFn:
    """`build`, then the KV prefix set to the base model's cache of `KV_INIT_TEXT`.

    peft initialises such prefixes from N(0, 1), a key/value cache no text produces: on
    SmolLM2-135M it raises the answer loss from 2.2 to 15.5 before any training. Starting from a
    real cache (Cartridges' recommended initialisation, peft's `initialize_kv_prefix_from_text`)
    keeps the start close to the base model. Only `build` does this; loading a saved adapter
    restores the trained prefix as saved.
    """

    def wrapped(model: Module, loaded: LoadedModel, params: Params) -> Module:
        from peft.tuners.cartridge.utils import initialize_kv_prefix_from_text

        peft_model = build(model, loaded, params)
        n = peft_model.active_peft_config.num_virtual_tokens
        initialize_kv_prefix_from_text(
            peft_model,
            loaded.tokenizer,
            text=KV_INIT_TEXT * (n // 16 + 1),
            use_chat_template=False,
            max_length=n,  # the first n tokens are used; no longer than the model's positions
        )
        return peft_model

    return wrapped


def linear_only_load(model: Module, loaded: LoadedModel, folder: Path) -> Module:
    """Load a saved adapter of a Linear-only tuner: convert the saved targets' Conv1D first."""
    from peft import PeftConfig, PeftModel

    if uses_conv1d(loaded.model_type):
        targets = PeftConfig.from_pretrained(str(folder)).target_modules
        conv1d_to_linear(model, sorted(targets) if isinstance(targets, set) else targets)
    return PeftModel.from_pretrained(model, str(folder))


def load_after_import(module: str) -> LoadFn:
    """A `load` for native tuners: import the tuner's module (it registers with peft) first."""

    def load(model: Module, loaded: LoadedModel, folder: Path) -> Module:
        from peft import PeftModel

        importlib.import_module(module)
        return PeftModel.from_pretrained(model, str(folder))

    return load


def peft_method(
    *,
    name: str,
    config: str,
    family: Family,
    description: str,
    preset: Mapping[str, object],
    source: str,
    mergeable: bool,
    identity_at_init: bool = False,
    linear_only: bool = False,
    role_keys: Sequence[str] = ("target_modules",),
    fixed: Mapping[str, object] | None = None,
    load: LoadFn | None = None,
    prefix_from_text: bool = False,
    sources: Mapping[str, str] | None = None,
    check: CheckFn | None = None,
) -> Method:
    """A `Method` whose build is one peft config; `fixed` settings define the method.

    `fixed` keys are not in the preset, so suites cannot switch them off (`dora` is LoRA with
    `use_dora=True`, always). `prefix_from_text`: the build starts a trained key/value prefix
    from the base model's cache of `KV_INIT_TEXT` (see `kv_prefix_from_text`).
    """
    build = peft_build(config, role_keys=role_keys, fixed=fixed, linear_only=linear_only)
    return Method(
        name=name,
        family=family,
        provider="peft",
        description=description,
        build=kv_prefix_from_text(build) if prefix_from_text else build,
        preset=copy.deepcopy(dict(preset)),
        mergeable=mergeable,
        identity_at_init=identity_at_init,
        source=source,
        load=load or (linear_only_load if linear_only else None),
        sources=sources or {},
        check=check,
    )
