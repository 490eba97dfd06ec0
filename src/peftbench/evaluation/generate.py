"""Batched greedy decoding that always runs the *adapted* model, for every kind of method.

Why not `model.generate()`: under transformers 5 + peft 0.21 a prefix-tuned model's `generate()`
silently drops the prefix, and prompt tuning with left padding drifts. Here the virtual tokens
(soft prompts / prefixes) go into the key/value cache first (below); later steps feed one token
at a time to the underlying model with that cache.
Injected adapters (LoRA, IA3, bottleneck, BitFit) live inside the underlying model, so they act at
every step. Tests check that this loop matches a cache-free reference and differs from the base
model for every trained method.

Prompts are left-padded with position ids taken from the attention mask, so every sequence sees
the positions it saw in training (training pads on the right and passes no position ids).

Shared head: on a CPU, evaluation time is the prompts' prefill, not the 1-2 answer tokens, and a
task's prompts share a long head (chat template, system prompt, instruction: 18 of arithmetic's
29 tokens). When every prompt of a batch starts with the same `MIN_SHARED` or more tokens, that
head runs once and its key/value cache is copied to the batch; the rest is left-padded behind it
(pads masked, positions continue from the head). Same computation; only float summation order
differs (tests check equal outputs against the one-prompt reference).

Virtual tokens (`virtual_kind`, decided by peft type): peft's prompt-learning forward overrides
position ids, so the batch cannot go through it padded. In training peft puts the virtual tokens
at positions 0..V-1 and text token j at V+j: soft prompts (prompt tuning, P-tuning) are V
embeddings concatenated in front of the input embeddings; prefixes (prefix tuning, P-tuning v2,
Cartridges) are a V-entry key/value cache passed as past key values. This decoder builds the same
thing itself and makes it part of the head: the head cache is the soft prompt prefilled through
the inner model at positions 0..V-1 (or peft's prefix cache), plus the shared text head at V..;
the padded rest and every decode step then run through the inner model with explicit positions,
never through peft's forward. So these methods get one padded batch and the shared head like the
others (before: sub-batches of equal prompt length, 2x the eval time). One prompt without a
shared head takes its soft prompt in the same forward pass (latency: one prefill, as peft's).
Types whose virtual tokens only peft's forward knows (multitask prompt tuning needs task ids, CPT
its own forward) stay on the old path: sub-batches of equal prompt length, no padding, no shared
head, first pass through peft's forward.
"""

from __future__ import annotations

import inspect
from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, cast

from peftbench.models.base import base_model
from peftbench.models.virtual_tokens import (
    PEFT_VIRTUAL_TOKENS,
    peft_type,
    prompt_learning_config,
)

if TYPE_CHECKING:  # annotations only; importing them would import torch
    import torch
    from torch.nn import Module
    from transformers import Cache
    from transformers import PreTrainedTokenizerBase as Tokenizer
    from transformers.modeling_outputs import CausalLMOutputWithPast

MIN_SHARED = 8  # a shorter common head is not worth a separate forward pass


def _device(model: Module) -> torch.device:
    return next(model.parameters()).device


def virtual_kind(model: Module) -> str:
    """How the decoder runs `model`: "none" (no virtual tokens), "embeddings" or "kv" (virtual
    tokens computed here, in the shared head), or "opaque" (only peft's own forward knows them:
    `models.virtual_tokens`)."""
    config = prompt_learning_config(model)
    if config is None:
        return "none"
    known = PEFT_VIRTUAL_TOKENS.get(peft_type(config))
    if known is None or not known.own_decoding:
        return "opaque"
    return "embeddings" if known.placement == "prepended" else "kv"


def _cache_kwarg(model: Module) -> str:
    """transformers 5 renamed `past_key_values` to `cache` (the old name goes in 5.40)."""

    params = inspect.signature(model.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


def _cache_of(result: CausalLMOutputWithPast) -> Cache:
    cache = getattr(result, "cache", None)
    return cache if cache is not None else result.past_key_values


def left_pad(
    prompts: Sequence[Sequence[int]], pad_id: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    import torch

    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for i, p in enumerate(prompts):
        ids[i, width - len(p) :] = torch.tensor(list(p), dtype=torch.long)
        mask[i, width - len(p) :] = 1
    return ids.to(device), mask.to(device)


def shared_prefix_length(prompts: Sequence[Sequence[int]]) -> int:
    """Tokens every prompt starts with, leaving each prompt at least one token of its own."""
    shortest = min(len(p) for p in prompts) - 1
    first = prompts[0]
    for i in range(max(shortest, 0)):
        if any(p[i] != first[i] for p in prompts):
            return i
    return max(shortest, 0)


def _shared_length(prompts: Sequence[Sequence[int]], kind: str) -> int:
    if kind == "opaque" or len(prompts) < 2:
        return 0
    shared = shared_prefix_length(prompts)
    return shared if shared >= MIN_SHARED else 0


def _head_cache(
    model: Module, head: torch.Tensor, kind: str, batch: int
) -> tuple[Cache | None, int, torch.Tensor | None]:
    """Key/value cache of everything every prompt of the batch starts with: the virtual tokens
    (at positions 0..V-1, as in training) and the prompts' shared text head (positions from V).
    Returns (cache or None, its length, soft-prompt embeddings left for the main pass or None):
    for one prompt without a head the soft prompt goes into the main pass (one forward, as peft).
    """
    import torch

    inner = base_model(model)
    shared = head.shape[1]
    if kind in ("none", "opaque"):  # opaque: peft's forward adds the virtual tokens; no head
        if not shared:
            return None, 0, None
        return _cache_of(model(input_ids=head, use_cache=True, logits_to_keep=1)), shared, None
    if kind == "kv":
        config = model.active_peft_config
        virtual = int(config.num_virtual_tokens)
        cache = model.get_prompt(1, max_cache_len=virtual + shared)
        if shared:
            positions = torch.arange(virtual, virtual + shared, device=head.device)[None]
            result = inner(
                input_ids=head,
                position_ids=positions,
                use_cache=True,
                logits_to_keep=1,
                **{_cache_kwarg(inner): cache},
            )
            cache = _cache_of(result)
        return cache, virtual + shared, None
    words = inner.get_input_embeddings()
    soft = model.get_prompt(batch_size=1).to(words.weight.dtype)
    if batch == 1 and not shared:
        return None, 0, soft
    embeds = torch.cat([soft, words(head)], 1)
    positions = torch.arange(embeds.shape[1], device=head.device)[None]
    result = inner(inputs_embeds=embeds, position_ids=positions, use_cache=True, logits_to_keep=1)
    return _cache_of(result), embeds.shape[1], None


def _prefill(
    model: Module, prompts: Sequence[Sequence[int]], pad_id: int, kind: str
) -> tuple[CausalLMOutputWithPast, torch.Tensor, torch.Tensor]:
    """First forward pass over the prompts: (result, attention mask, positions), where the mask
    covers everything in the cache that the prompts may attend to (for `opaque` methods, all but
    the virtual tokens peft adds)."""
    import torch

    device = _device(model)
    batch = len(prompts)
    shared = _shared_length(prompts, kind)
    ids, mask = left_pad([p[shared:] for p in prompts], pad_id, device)
    head = torch.tensor([list(prompts[0][:shared])], dtype=torch.long, device=device)
    cache, head_len, soft = _head_cache(model, head, kind, batch)
    inner = base_model(model)
    kwargs: dict[str, torch.Tensor | Cache] = {"input_ids": ids}
    attended = head_len  # always-attended columns in front of the padded prompts
    if soft is not None:  # one prompt: its virtual tokens go through with it, nothing cached
        kwargs = {"inputs_embeds": torch.cat([soft, inner.get_input_embeddings()(ids)], 1)}
        attended = soft.shape[1]
    if cache is not None:
        if batch > 1:
            cache.batch_repeat_interleave(batch)
        kwargs[_cache_kwarg(inner)] = cache
    mask = torch.cat([torch.ones(batch, attended, dtype=mask.dtype, device=device), mask], 1)
    positions = (mask.cumsum(1) - 1).clamp(min=0)[:, head_len:]
    if kind != "opaque":
        kwargs["position_ids"] = positions
    # The virtual tokens are in the cache (or the embeddings): the inner model runs the rest.
    forward = inner if kind in ("embeddings", "kv") else model
    # logits only for the last position: the vocabulary projection is ~20% of a small model
    result = forward(attention_mask=mask, use_cache=True, logits_to_keep=1, **kwargs)
    return result, mask, positions


def greedy_generate(
    model: Module,
    prompts: Sequence[Sequence[int]],
    pad_id: int,
    max_new_tokens: int,
    stop_ids: frozenset[int] = frozenset(),
    stop_text: tuple[str, ...] = (),
    tokenizer: Tokenizer = None,
) -> list[list[int]]:
    """New token ids per prompt (stop token excluded), greedy, batched.

    A sequence stops at a token in `stop_ids`, or once the decoded new text contains one of
    `stop_text` (needs `tokenizer`); generation ends when all sequences stopped. With no stop
    conditions it produces exactly `max_new_tokens` tokens (the latency protocol relies on it).
    """
    if virtual_kind(model) == "opaque" and len({len(p) for p in prompts}) > 1:
        merged: list[list[int]] = [[] for _ in prompts]
        for length in sorted({len(p) for p in prompts}):
            idx = [i for i, p in enumerate(prompts) if len(p) == length]
            sub = greedy_generate(
                model,
                [prompts[i] for i in idx],
                pad_id,
                max_new_tokens,
                stop_ids,
                stop_text,
                tokenizer,
            )
            for i, toks in zip(idx, sub, strict=True):
                merged[i] = toks
        return merged

    return drain(
        greedy_steps(model, prompts, pad_id, max_new_tokens, stop_ids, stop_text, tokenizer)
    )


def drain(steps: Generator[None, None, list[list[int]]]) -> list[list[int]]:
    """Run a step generator to its end and return what it returns."""
    while True:
        try:
            next(steps)
        except StopIteration as finished:
            return cast(list[list[int]], finished.value)


def greedy_steps(
    model: Module,
    prompts: Sequence[Sequence[int]],
    pad_id: int,
    max_new_tokens: int,
    stop_ids: frozenset[int] = frozenset(),
    stop_text: tuple[str, ...] = (),
    tokenizer: Tokenizer = None,
) -> Generator[None, None, list[list[int]]]:
    """`greedy_generate`'s decoding, one step at a time (one batch: no sub-batches by length).

    It yields just before each decode step's forward pass and returns the new token ids. So the
    stretch up to the first yield is the prefill (the prompt's forward pass and the first token),
    each later stretch is one decode step (a forward pass and its token), and a caller can run
    several models in lockstep, one step each in turn: the latency protocol times base and
    adapted models that way (efficiency/latency.py), so they see the machine at the same moment.
    Each stretch runs in its own inference mode and none is held across a yield, so generators
    run interleaved never leave one another outside it.
    """
    import torch

    kind = virtual_kind(model)
    device = _device(model)
    batch = len(prompts)
    out: list[list[int]] = [[] for _ in range(batch)]
    done = [False] * batch
    inner = base_model(model)
    cache_kw = _cache_kwarg(inner)
    use_pos = kind != "opaque"
    with torch.inference_mode():
        result, mask, positions = _prefill(model, prompts, pad_id, kind)
        cache = _cache_of(result)
        if kind == "opaque":  # peft put its virtual tokens in front of the cache: always attended
            extra = cache.get_seq_length() - mask.shape[1]
            mask = torch.cat([torch.ones(batch, extra, dtype=mask.dtype, device=device), mask], 1)
        last = positions[:, -1:]
    for step in range(max_new_tokens):
        with torch.inference_mode():
            nxt = result.logits[:, -1, :].argmax(-1)
            for i, tok in enumerate(nxt.tolist()):
                if done[i]:
                    continue
                if tok in stop_ids:
                    done[i] = True
                    continue
                out[i].append(tok)
                if stop_text and any(s in tokenizer.decode(out[i]) for s in stop_text):
                    done[i] = True
            if all(done) or step == max_new_tokens - 1:
                break
            mask = torch.cat([mask, torch.ones(batch, 1, dtype=mask.dtype, device=device)], 1)
            last = last + 1
        yield
        with torch.inference_mode():
            step_kw = {"position_ids": last} if use_pos else {}
            result = inner(
                input_ids=nxt[:, None],
                attention_mask=mask,
                use_cache=True,
                **{cache_kw: cache},
                **step_kw,
            )
            cache = _cache_of(result)
    return out
