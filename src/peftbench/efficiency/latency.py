"""Inference latency: the one protocol, used for the base model and for every adapted model.

Protocol (docs/measurements.md): one fixed synthetic prompt of `prompt_tokens` ids (the same ids
for every model of a vocabulary), greedy decoding of exactly `new_tokens` tokens at batch 1
through the evaluation decoder (so the adapted model is timed on the path that produced its
score), in eval mode. `warmup` runs are untimed and discarded, then `repeats` timed runs.

Prefill and decode are split inside *one* generation: a forward pre-hook on the underlying
transformers model's input embeddings marks the start of every forward pass (the embeddings run
first in every pass, also when a tuner calls the model's `forward` directly instead of through
`__call__`, as peft's AdaLoRA does). The decoder calls it once for the prompt and once per
further token, so

    prefill   = start of generation  -> start of the 2nd forward   (prompt forward + 1st token)
    decode/tok = start of the 2nd forward -> end of generation, over (new_tokens - 1) tokens

On CUDA the marks are CUDA events (read after one synchronisation at the end of the run); on CPU
`time.perf_counter`. Figures: median and interquartile range over the repeats, the coefficient
of variation (sample std / mean), and the raw samples.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from peftbench.config.schema import LatencySettings
from peftbench.evaluation.generate import greedy_generate
from peftbench.models.base import base_model


def fixed_prompt(n_tokens: int, vocab_size: int) -> list[int]:
    """Deterministic token ids, spread over the vocabulary and away from special ids."""
    return [3 + (i * 7919) % max(1, vocab_size - 3) for i in range(n_tokens)]


def prompt_digest(prompt: list[int]) -> str:
    """Short hash of the prompt ids: equal digests show base and adapter saw the same input."""
    return hashlib.sha256(",".join(map(str, prompt)).encode()).hexdigest()[:12]


class CpuTimer:
    """Wall-clock marks from a monotonic clock (injectable, so tests can drive time)."""

    kind = "perf_counter"

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock

    def mark(self) -> float:
        return self.clock()

    def elapsed_ms(self, start: Any, end: Any) -> float:
        return (end - start) * 1000.0

    def finish(self) -> None:
        """Nothing queued on a CPU: marks are already final."""


class CudaTimer:
    """CUDA events recorded on the current stream; `finish` synchronises once per run."""

    kind = "cuda events"

    def mark(self) -> Any:
        import torch

        event = torch.cuda.Event(enable_timing=True)
        event.record()
        return event

    def elapsed_ms(self, start: Any, end: Any) -> float:
        return float(start.elapsed_time(end))

    def finish(self) -> None:
        import torch

        torch.cuda.synchronize()


def timer_for(device: Any) -> CpuTimer | CudaTimer:
    return CudaTimer() if getattr(device, "type", str(device)) == "cuda" else CpuTimer()


def timed_generation(
    model: Any, prompt: list[int], pad_id: int, new_tokens: int, timer: Any
) -> tuple[float, float]:
    """(prefill ms, decode ms per token) of one greedy generation of exactly `new_tokens`."""
    marks: list[Any] = []
    embeddings = base_model(model).get_input_embeddings()
    hook = embeddings.register_forward_pre_hook(lambda *_: marks.append(timer.mark()))
    try:
        start = timer.mark()
        out = greedy_generate(model, [prompt], pad_id, new_tokens)
        end = timer.mark()
        timer.finish()
    finally:
        hook.remove()
    if len(marks) != new_tokens or len(out[0]) != new_tokens:
        raise RuntimeError(
            f"latency protocol broken: expected {new_tokens} forward passes and tokens, got "
            f"{len(marks)} passes and {len(out[0])} tokens"
        )
    prefill = timer.elapsed_ms(start, marks[1])
    decode = timer.elapsed_ms(marks[1], end) / (new_tokens - 1)
    return prefill, decode


def summarise(samples: list[float]) -> dict[str, float]:
    """Median, interquartile range and coefficient of variation of timed repeats."""
    if len(samples) >= 2:
        q1, med, q3 = statistics.quantiles(samples, n=4, method="inclusive")
        mean = statistics.fmean(samples)
        cv = statistics.stdev(samples) / mean if mean > 0 else 0.0
    else:
        q1 = med = q3 = samples[0]
        cv = 0.0
    return {"median": med, "iqr": q3 - q1, "cv": cv}


def measure_latency(
    model: Any, vocab_size: int, pad_id: int, settings: LatencySettings, timer: Any = None
) -> dict[str, Any]:
    """Run the protocol on `model`; the figures' keys are defined in docs/measurements.md."""
    if settings.repeats < 1 or settings.warmup < 0:
        raise ValueError("latency needs repeats >= 1 and warmup >= 0")
    device = next(model.parameters()).device
    timer = timer or timer_for(device)
    prompt = fixed_prompt(settings.prompt_tokens, vocab_size)
    new = max(2, settings.new_tokens)
    was_training = bool(getattr(model, "training", False))
    model.eval()  # dropout (e.g. LoRA's) off: it changes both the output and the cost
    prefill: list[float] = []
    decode: list[float] = []
    try:
        for i in range(settings.warmup + settings.repeats):
            p, d = timed_generation(model, prompt, pad_id, new, timer)
            if i >= settings.warmup:
                prefill.append(p)
                decode.append(d)
    finally:
        model.train(was_training)
    dec, pre = summarise(decode), summarise(prefill)
    return {
        "latency_ms_per_token": dec["median"],
        "latency_iqr_ms": dec["iqr"],
        "latency_cv": dec["cv"],
        "prefill_ms": pre["median"],
        "prefill_iqr_ms": pre["iqr"],
        "prefill_cv": pre["cv"],
        "latency_samples_ms": decode,
        "prefill_samples_ms": prefill,
        # other processes competing for the CPU are the main source of spread: say how many
        "latency_load_avg_1min": _load_average(),
        "latency_timer": timer.kind,
        "latency_prompt_sha": prompt_digest(prompt),
        "latency_repeats": settings.repeats,
        "latency_warmup": settings.warmup,
        "latency_prompt_tokens": settings.prompt_tokens,
        "latency_new_tokens": new,
    }


def _load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def slowdown_pct(adapted_ms: float, base_ms: float) -> float | None:
    """(adapted median / base median - 1) in percent; None when the base median is zero."""
    return 100.0 * (adapted_ms / base_ms - 1) if base_ms > 0 else None
