"""Where each PEFT method attaches, per architecture: the one table of module names.

Methods ask for *roles* ("key", "value", "ffn_out", ...) and get the module names of the model
type at hand, so no method carries architecture names of its own. GPT-2 fuses q/k/v into
`c_attn` (a Conv1D), so "query", "key" and "value" all resolve to it there.
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
    "gpt2": _GPT2,
}

ROLES = tuple(_LLAMA_LIKE)


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
