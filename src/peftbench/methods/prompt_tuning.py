"""Prompt tuning (Lester et al. 2021) through HF peft: trainable virtual input tokens.

The virtual tokens start as real token embeddings (`prompt_tuning_init`):

- `vocab` (preset): the embeddings of `num_virtual_tokens` distinct token ids drawn uniformly
  from [0, prompt_tuning_init_vocab) (all of the vocabulary when that is at least its size), as
  PEFT-Bench did (ids from [0, 5000): `np.random.permutation(range(5000))[:100]`) and as
  Lester et al. recommend (the 5,000 most common tokens; low ids of a BPE vocabulary are its
  earliest, most frequent merges). Drawn from torch's generator, seeded by the run before building.
- `text`: the embeddings of `prompt_tuning_init_text`'s tokens (model's own tokenizer),
  repeated or cut to `num_virtual_tokens` (peft's TEXT rule; peft would load a tokenizer from
  the hub, this uses the loaded one);
- `random`: peft's N(0, 1) embedding init (norm ~sqrt(hidden) against ~1-3 for real tokens).

When fewer ids are available than virtual tokens, ids are drawn with replacement.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from peftbench.errors import UserError
from peftbench.methods._checks import at_least, integer, one_of
from peftbench.methods.base import Method, Params, register

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch import Tensor
    from torch.nn import Module
    from transformers import PreTrainedTokenizerBase as Tokenizer

    from peftbench.models.base import LoadedModel

INITS = ("vocab", "text", "random")
PAPER = "PEFT-Bench (examples/peftbench/prompt-tuning/llama-3-8b-instruct/train.yaml)"


def init_token_ids(
    params: Mapping[str, object], tokenizer: Tokenizer, vocab_size: int
) -> Tensor | None:
    """The token ids whose embeddings initialise the virtual tokens (None for `random`)."""
    import torch

    n = integer(params, "num_virtual_tokens")
    if params["prompt_tuning_init"] == "text":
        ids = tokenizer(str(params["prompt_tuning_init_text"]), add_special_tokens=False)[
            "input_ids"
        ]
        ids = (ids * (n // max(len(ids), 1) + 1))[:n]
        return torch.tensor(ids, dtype=torch.long)
    if params["prompt_tuning_init"] == "vocab":
        pool = min(integer(params, "prompt_tuning_init_vocab"), vocab_size)
        if n <= pool:
            return torch.randperm(pool)[:n]
        return torch.randint(0, pool, (n,))
    return None


def build(model: Module, loaded: LoadedModel, params: Params) -> Module:
    import torch
    from peft import PromptTuningConfig, TaskType, get_peft_model

    p = dict(params)
    init = {k: p.pop(k) for k in list(p) if k.startswith("prompt_tuning_init")}
    peft_model = get_peft_model(
        model, PromptTuningConfig(task_type=TaskType.CAUSAL_LM, prompt_tuning_init="RANDOM", **p)
    )
    words = model.get_input_embeddings().weight
    ids = init_token_ids({**params, **init}, loaded.tokenizer, words.shape[0])
    if ids is not None:
        embedding = peft_model.prompt_encoder[peft_model.active_adapter].embedding.weight
        with torch.no_grad():
            embedding.copy_(words[ids.to(words.device)].to(embedding.dtype))
    return peft_model


def check(params: Mapping[str, object], where: str) -> None:
    init = params["prompt_tuning_init"]
    one_of(f"{where}.prompt_tuning_init", init, INITS)
    at_least(f"{where}.num_virtual_tokens", params["num_virtual_tokens"], 1)
    at_least(f"{where}.prompt_tuning_init_vocab", params["prompt_tuning_init_vocab"], 1)
    text = params.get("prompt_tuning_init_text")
    if init == "text" and not (isinstance(text, str) and text.strip()):
        raise UserError(
            f"'{where}.prompt_tuning_init' is 'text' but '{where}.prompt_tuning_init_text' "
            f"is {text!r}",
            f"set {where}.prompt_tuning_init_text to the words the prompt starts from",
        )
    if text is not None and not isinstance(text, str):
        raise UserError(f"'{where}.prompt_tuning_init_text' must be a string, got {text!r}")


register(
    Method(
        name="prompt_tuning",
        family="prompt",
        provider="peft",
        description="trainable soft-prompt embeddings prepended to the input, initialised "
        "from real token embeddings",
        build=build,
        preset={
            "learning_rate": 3e-2,
            "num_virtual_tokens": 100,
            "prompt_tuning_init": "vocab",
            "prompt_tuning_init_vocab": 5000,
            "prompt_tuning_init_text": None,
        },
        sources={
            "learning_rate": f"{PAPER}: learning_rate 3.0e-2",
            "num_virtual_tokens": f"{PAPER}: num_virtual_tokens 100",
            "prompt_tuning_init": "PEFT-Factory src/llamafactory/model/adapter.py: embeddings "
            "of random vocabulary tokens (Lester et al. 2021's recommendation)",
            "prompt_tuning_init_vocab": "PEFT-Factory adapter.py: ids drawn from range(5000)",
            "prompt_tuning_init_text": "only for prompt_tuning_init: text",
        },
        check=check,
        source="PEFT-Bench paper (100 virtual tokens, lr 3e-2, init from the embeddings of "
        "100 distinct token ids in [0, 5000))",
    )
)
