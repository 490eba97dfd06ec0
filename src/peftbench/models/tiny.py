"""Tiny randomly initialised models built in code, for tests and smoke runs (no download).

Three registered architectures (Llama-, GPT-2- and Qwen2-style; plus an unregistered Gemma 3
one for the decoder's sliding-window tests) share a character-level tokenizer with a
ChatML-like chat template, so prompts go through the same chat path as real instruct models.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping
from typing import TYPE_CHECKING

from peftbench.models.base import LoadedModel, LoadFn, ModelSpec, register

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from transformers import PretrainedConfig
    from transformers import PreTrainedTokenizerBase as Tokenizer

SPECIALS = ["<pad>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def char_tokenizer() -> Tokenizer:
    """A character-level fast tokenizer over printable ASCII, built offline in code."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    chars = [c for c in string.printable if c not in "\x0b\x0c"]
    vocab = {tok: i for i, tok in enumerate(SPECIALS + chars + ["<unk>"])}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Split(pattern="", behavior="isolated")
    core.decoder = decoders.Fuse()
    tok = PreTrainedTokenizerFast(
        tokenizer_object=core,
        pad_token="<pad>",
        bos_token="<s>",
        eos_token="<|im_end|>",
        unk_token="<unk>",
        additional_special_tokens=["<|im_start|>", "</s>"],
    )
    tok.chat_template = CHAT_TEMPLATE
    return tok


# The decoder-only shape every tiny architecture but GPT-2 shares.
SHAPE: dict[str, int] = dict(
    hidden_size=64,
    intermediate_size=128,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    max_position_embeddings=512,
)
GPT2_SHAPE: dict[str, int] = dict(n_embd=64, n_layer=2, n_head=4, n_positions=512)
VOCAB_SIZE = len(SPECIALS) + len([c for c in string.printable if c not in "\x0b\x0c"]) + 1
MODEL_TYPES = {"llama": "llama", "qwen2": "qwen2", "gpt2": "gpt2"}


def config_dict(arch: str) -> dict[str, str | int]:
    """The config of a registered tiny architecture as config.json's keys, without transformers
    (preflight reads it: positions, module names)."""
    shape = GPT2_SHAPE if arch == "gpt2" else SHAPE
    # the ids the char tokenizer gives its specials: <pad> 0, <s> 1, <|im_end|> 4
    return {
        "model_type": MODEL_TYPES[arch],
        "vocab_size": VOCAB_SIZE,
        **shape,
        "pad_token_id": 0,
        "bos_token_id": 1,
        "eos_token_id": 4,
    }


def _config(arch: str, vocab_size: int, pad_id: int, eos_id: int) -> PretrainedConfig:
    import transformers as tf

    common: dict[str, int] = dict(
        vocab_size=vocab_size, pad_token_id=pad_id, eos_token_id=eos_id, bos_token_id=1
    )
    if arch == "llama":
        return tf.LlamaConfig(**SHAPE, **common)
    if arch == "qwen2":
        return tf.Qwen2Config(**SHAPE, **common)
    if arch == "gpt2":
        return tf.GPT2Config(**GPT2_SHAPE, **common)
    if arch == "gemma3":  # sliding-window + full layers (hybrid cache); tests only, not registered
        return tf.Gemma3TextConfig(
            **SHAPE,
            head_dim=16,
            sliding_window=64,
            layer_types=["sliding_attention", "full_attention"],
            **common,
        )
    raise ValueError(arch)


def build_tiny(arch: str, seed: int = 0, dtype: str = "float32") -> LoadedModel:
    """A fresh tiny model of `arch`, identical for the same seed, in `dtype` (initialised in
    float32, then cast, so a bf16 model is the float32 one rounded)."""
    import torch
    from transformers import AutoModelForCausalLM

    tok = char_tokenizer()
    cfg = _config(arch, len(tok), tok.pad_token_id, tok.eos_token_id)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = AutoModelForCausalLM.from_config(cfg)
    if dtype not in ("float32", "auto"):
        model = model.to(getattr(torch, dtype))
    model.generation_config.pad_token_id = tok.pad_token_id
    model.generation_config.eos_token_id = tok.eos_token_id
    return LoadedModel(
        name=f"tiny-{arch}",
        model=model,
        tokenizer=tok,
        model_type=cfg.model_type,
        provenance={"source": "built in code", "architecture": arch, "init_seed": seed},
    )


def _loader(arch: str) -> LoadFn:
    def load(options: Mapping[str, object]) -> LoadedModel:
        dtype = str(options.get("dtype", "float32"))
        seed = options.get("init_seed", 0)
        if not isinstance(seed, int):  # `ModelOptions.init_seed` is checked to be one
            raise TypeError(f"model_options.init_seed must be an integer, not {seed!r}")
        return build_tiny(arch, seed=seed, dtype=dtype)

    return load


for _arch in ("llama", "gpt2", "qwen2"):
    register(
        ModelSpec(
            name=f"tiny-{_arch}",
            description=f"tiny random {_arch}-style model (2 layers, 64 wide) for tests",
            source="built in code",
            load=_loader(_arch),
            config=functools.partial(config_dict, _arch),
        )
    )
