"""Batched greedy decoding that always runs the *adapted* model, for every kind of method.

Why not `model.generate()`: under transformers 5 + peft 0.21 a prefix-tuned model's `generate()`
silently drops the prefix, and prompt tuning with left padding drifts. Here the first forward
pass goes through the PEFT model itself (which adds soft prompts / prefixes and returns their
key/value cache); later steps feed one token at a time to the underlying model with that cache.
Injected adapters (LoRA, IA3, bottleneck, BitFit) live inside the underlying model, so they act at
every step. Tests check that this loop matches a cache-free reference and differs from the base
model for every trained method.

Prompts are left-padded with position ids taken from the attention mask, so every sequence sees
the positions it saw in training. peft's prompt-learning models (soft prompts, prefixes) ignore
position ids, and their virtual tokens carry no rotary offset, so for them a batch is split into
sub-batches of equal prompt length (no padding at all). Evaluation sorts prompts by length.

Shared prefix: on a CPU, evaluation time is the prompts' prefill, not the 1-2 answer tokens, and a
task's prompts share a long head (chat template, system prompt, instruction: 18 of arithmetic's
29 tokens). When every prompt of a batch starts with the same `MIN_SHARED` or more tokens and the
method does not prepend virtual tokens, that head runs once and its key/value cache is copied to
the batch; the rest is left-padded behind it (pads masked, positions continue from the head), so
each sequence still sees the positions it saw in training. Same computation; only float summation
order differs (tests check equal outputs against the one-prompt reference).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from peftbench.models.base import base_model

MIN_SHARED = 8  # a shorter common head is not worth a separate forward pass


def _device(model: Any) -> Any:
    return next(model.parameters()).device


def _ignores_positions(model: Any) -> bool:
    config = getattr(model, "active_peft_config", None)
    return bool(getattr(config, "is_prompt_learning", False))


def _cache_kwarg(model: Any) -> str:
    """transformers 5 renamed `past_key_values` to `cache` (the old name goes in 5.40)."""
    import inspect

    params = inspect.signature(model.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


def _cache_of(result: Any) -> Any:
    cache = getattr(result, "cache", None)
    return cache if cache is not None else result.past_key_values


def left_pad(prompts: Sequence[Sequence[int]], pad_id: int, device: Any) -> tuple[Any, Any]:
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


def _prefill(model: Any, prompts: Sequence[Sequence[int]], pad_id: int, use_pos: bool) -> Any:
    """First forward pass over the prompts: (result, attention mask, positions), where the mask
    covers everything in the cache that the prompts may attend to."""
    import torch

    device = _device(model)
    shared = shared_prefix_length(prompts) if use_pos and len(prompts) > 1 else 0
    shared = shared if shared >= MIN_SHARED else 0
    ids, mask = left_pad([p[shared:] for p in prompts], pad_id, device)
    head: dict[str, Any] = {}
    if shared:
        prefix = torch.tensor([list(prompts[0][:shared])], dtype=torch.long, device=device)
        cache = _cache_of(model(input_ids=prefix, use_cache=True, logits_to_keep=1))
        cache.batch_repeat_interleave(len(prompts))
        mask = torch.cat(
            [torch.ones(len(prompts), shared, dtype=mask.dtype, device=device), mask], 1
        )
        head = {_cache_kwarg(base_model(model)): cache}
    positions = (mask.cumsum(1) - 1).clamp(min=0)[:, shared:]
    first = {"position_ids": positions} if use_pos else {}
    # logits only for the last position: the vocabulary projection is ~20% of a small model
    result = model(
        input_ids=ids, attention_mask=mask, use_cache=True, logits_to_keep=1, **first, **head
    )
    return result, mask, positions


def greedy_generate(
    model: Any,
    prompts: Sequence[Sequence[int]],
    pad_id: int,
    max_new_tokens: int,
    stop_ids: frozenset[int] = frozenset(),
    stop_text: tuple[str, ...] = (),
    tokenizer: Any = None,
) -> list[list[int]]:
    """New token ids per prompt (stop token excluded), greedy, batched.

    A sequence stops at a token in `stop_ids`, or once the decoded new text contains one of
    `stop_text` (needs `tokenizer`); generation ends when all sequences stopped. With no stop
    conditions it produces exactly `max_new_tokens` tokens (the latency protocol relies on it).
    """
    import torch

    if _ignores_positions(model) and len({len(p) for p in prompts}) > 1:
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

    device = _device(model)
    batch = len(prompts)
    out: list[list[int]] = [[] for _ in range(batch)]
    done = [False] * batch
    inner = base_model(model)
    cache_kw = _cache_kwarg(inner)
    use_pos = not _ignores_positions(model)
    with torch.inference_mode():
        result, mask, positions = _prefill(model, prompts, pad_id, use_pos)
        cache = _cache_of(result)
        # Soft prompts / prefixes sit in front of the prompt in the cache: they are always attended.
        extra = cache.get_seq_length() - mask.shape[1]
        mask = torch.cat([torch.ones(batch, extra, dtype=mask.dtype, device=device), mask], 1)
        last = positions[:, -1:]
        for step in range(max_new_tokens):
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
