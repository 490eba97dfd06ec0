"""Inference latency: the one protocol, used for the base model and for every adapted model.

A fixed synthetic prompt of `prompt_tokens` ids (same for every model of a vocabulary), greedy
decoding of exactly `new_tokens` tokens at batch 1 through the evaluation decoder, `warmup`
untimed runs, then `repeats` timed ones. Prefill (first forward) and per-token decode time are
reported separately, as median and interquartile range, with the coefficient of variation.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from peftbench.config.schema import LatencySettings
from peftbench.evaluation.generate import greedy_generate


def fixed_prompt(n_tokens: int, vocab_size: int) -> list[int]:
    """Deterministic token ids, spread over the vocabulary and away from special ids."""
    return [3 + (i * 7919) % max(1, vocab_size - 3) for i in range(n_tokens)]


def _sync(device: Any) -> None:
    if getattr(device, "type", "cpu") == "cuda":
        import torch

        torch.cuda.synchronize()


def _quartiles(xs: list[float]) -> tuple[float, float, float]:
    if len(xs) < 2:
        return xs[0], xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], statistics.median(xs), q[2]


def measure_latency(model: Any, vocab_size: int, pad_id: int, settings: LatencySettings) -> dict:
    device = next(model.parameters()).device
    prompt = fixed_prompt(settings.prompt_tokens, vocab_size)
    new = max(2, settings.new_tokens)
    prefill: list[float] = []
    decode: list[float] = []
    for i in range(settings.warmup + settings.repeats):
        _sync(device)
        t0 = time.perf_counter()
        greedy_generate(model, [prompt], pad_id, 1)
        _sync(device)
        t1 = time.perf_counter()
        greedy_generate(model, [prompt], pad_id, new)
        _sync(device)
        t2 = time.perf_counter()
        if i >= settings.warmup:
            prefill.append((t1 - t0) * 1000)
            # decode cost per token: the full run minus one prefill, over the tokens after the first
            decode.append(max(0.0, (t2 - t1) - (t1 - t0)) * 1000 / (new - 1))
    p_lo, p_med, p_hi = _quartiles(prefill)
    d_lo, d_med, d_hi = _quartiles(decode)
    mean = statistics.fmean(decode)
    cv = statistics.pstdev(decode) / mean if mean > 0 else 0.0
    return {
        "latency_ms_per_token": d_med,
        "latency_iqr_ms": d_hi - d_lo,
        "latency_cv": cv,
        "prefill_ms": p_med,
        "prefill_iqr_ms": p_hi - p_lo,
        "latency_repeats": settings.repeats,
        "latency_warmup": settings.warmup,
        "latency_prompt_tokens": settings.prompt_tokens,
        "latency_new_tokens": new,
    }
