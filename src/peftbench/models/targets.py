"""Where each PEFT method attaches, per architecture: the one table of module names.

Methods ask for *roles* ("key", "value", "ffn_out", ...) and get the module names of the model
type at hand, so no method carries architecture names of its own. GPT-2 fuses q/k/v into
`c_attn` (a Conv1D), so "query", "key" and "value" all resolve to it there. `norm` is the
per-layer norms, `final_norm` the one before the LM head (LN tuning trains both, as peft's
default LN-tuning targets do).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from peftbench.errors import UserError

_LLAMA_LIKE: Mapping[str, tuple[str, ...]] = {
    "query": ("q_proj",),
    "key": ("k_proj",),
    "value": ("v_proj",),
    "attn_out": ("o_proj",),
    "ffn_in": ("gate_proj", "up_proj"),
    "ffn_out": ("down_proj",),
    "attn_block": ("self_attn",),
    "ffn_block": ("mlp",),
    "norm": ("input_layernorm", "post_attention_layernorm"),
    "final_norm": ("model.norm",),
}

_GPT2: Mapping[str, tuple[str, ...]] = {
    "query": ("c_attn",),
    "key": ("c_attn",),
    "value": ("c_attn",),
    "attn_out": ("attn.c_proj",),
    "ffn_in": ("c_fc",),
    "ffn_out": ("mlp.c_proj",),
    "attn_block": ("attn",),
    "ffn_block": ("mlp",),
    "norm": ("ln_1", "ln_2"),
    "final_norm": ("ln_f",),
}

_GEMMA: Mapping[str, tuple[str, ...]] = {
    **_LLAMA_LIKE,
    "norm": (
        "input_layernorm",
        "post_attention_layernorm",
        "pre_feedforward_layernorm",
        "post_feedforward_layernorm",
    ),
}

TARGETS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "llama": _LLAMA_LIKE,
    "mistral": _LLAMA_LIKE,
    "qwen2": _LLAMA_LIKE,
    "qwen3": _LLAMA_LIKE,
    "gemma": _GEMMA,
    "gemma2": _GEMMA,
    "gemma3_text": _GEMMA,
    "smollm3": _LLAMA_LIKE,
    "gpt2": _GPT2,
}

ROLES = tuple(_LLAMA_LIKE)

# Model types whose projections are transformers' `Conv1D` (weight stored in x out), not Linear:
# peft's LoRA-style tuners need `fan_in_fan_out=True` there, and tuners that only accept
# `nn.Linear` get the targeted Conv1D layers converted to equivalent Linear layers first.
CONV1D_MODEL_TYPES = frozenset({"gpt2"})


def uses_conv1d(model_type: str) -> bool:
    return model_type in CONV1D_MODEL_TYPES


def role_table(model_type: str) -> Mapping[str, tuple[str, ...]]:
    try:
        return TARGETS[model_type]
    except KeyError:
        raise UserError(
            f"no target-module table for model type '{model_type}'. "
            f"Known: {', '.join(sorted(TARGETS))}.",
            "add a row to peftbench/models/targets.py, or give the method explicit "
            "`target_modules` names",
        ) from None


def resolve_targets(model_type: str, roles: Iterable[str]) -> list[str]:
    """Module names for `roles` on `model_type`; a name that is not a role passes through as is."""
    table = role_table(model_type)
    names: list[str] = []
    for role in roles:
        for name in table.get(role, (role,)):
            if name not in names:
                names.append(name)
    return names
