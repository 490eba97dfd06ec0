"""Inference latency: one protocol, base and adapted forms timed *paired* in one process.

Protocol (docs/measurements.md): one fixed synthetic prompt of `prompt_tokens` ids (the same ids
for every model of a vocabulary), greedy decoding of exactly `new_tokens` tokens at batch 1
through the evaluation decoder (so the adapted model is timed on the path that produced its
score), in eval mode. The base model and every form of the adapted model (deployed, merged) are
decoded in *lockstep*: one step of each form in turn, through the decoder's step generator
(`evaluation.generate.greedy_steps`), each step timed on its own; so the two members of a pair
run tens of milliseconds apart, not seconds, and the host's load (which on a shared machine moves
by 10-20 % within a second) hits both alike. `efficiency.paired` turns the pairs into slowdowns
with 95 % intervals.

Prefill and decode are split by the decoder's steps:

    prefill    = the stretch up to the first yield (the prompt's forward pass + 1st token)
    decode/tok = the later stretches (one forward pass and its token each), summed, over
                 (new_tokens - 1) tokens

On CUDA the marks are CUDA events (read after one synchronisation at the end of each
generation); on CPU `time.perf_counter`.
"""

from __future__ import annotations

import gc
import hashlib
import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

from peftbench.config.schema import LatencySettings
from peftbench.efficiency.paired import PairedSlowdown, paired_slowdown
from peftbench.evaluation.generate import greedy_steps

if TYPE_CHECKING:  # annotations only; importing them would import torch
    import torch
    from torch.nn import Module


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

    def elapsed_ms(self, start: float, end: float) -> float:
        return (end - start) * 1000.0

    def finish(self) -> None:
        """Nothing queued on a CPU: marks are already final."""


class CudaTimer:
    """CUDA events recorded on the current stream; `finish` synchronises once per run."""

    kind = "cuda events"

    def mark(self) -> torch.cuda.Event:
        import torch

        event = torch.cuda.Event(enable_timing=True)
        event.record()
        return event

    def elapsed_ms(self, start: torch.cuda.Event, end: torch.cuda.Event) -> float:
        return float(start.elapsed_time(end))

    def finish(self) -> None:
        import torch

        torch.cuda.synchronize()


Timer = CpuTimer | CudaTimer  # a mark is a time (CPU) or a recorded CUDA event
Mark: TypeAlias = "float | torch.cuda.Event"


def timer_for(device: torch.device) -> Timer:
    return CudaTimer() if getattr(device, "type", str(device)) == "cuda" else CpuTimer()


def lockstep_generation(
    forms: dict[str, Module],
    prompt: list[int],
    pad_id: int,
    new_tokens: int,
    timer: Timer,
    order: list[str],
) -> dict[str, tuple[float, float]]:
    """{form: (prefill ms, decode ms per token)} of one greedy generation of exactly `new_tokens`
    by every form, run in lockstep: each form takes one step in turn (`order`, reversed every
    other step, so no form always goes first), and a step is timed from the moment its form
    resumes to the moment it yields. Steps of different forms are tens of milliseconds apart,
    so the machine's load changes little between the steps a pair compares."""
    steps = {name: greedy_steps(forms[name], [prompt], pad_id, new_tokens) for name in order}
    marks: dict[str, list[tuple[Mark, Mark]]] = {name: [] for name in order}
    outputs: dict[str, list[list[int]]] = {}
    for step in range(new_tokens):
        for name in order if step % 2 == 0 else order[::-1]:
            if name in outputs:
                raise RuntimeError(f"latency protocol broken: {name} stopped after {step} steps")
            start = timer.mark()
            try:
                next(steps[name])
            except StopIteration as finished:
                outputs[name] = finished.value
            marks[name].append((start, timer.mark()))
    timer.finish()
    out = {}
    for name in order:
        tokens = outputs.get(name, [[]])[0]
        if len(tokens) != new_tokens:
            raise RuntimeError(
                f"latency protocol broken: {name} gave {len(tokens)} tokens in {new_tokens} "
                "steps, not one per step"
            )
        spans = [timer.elapsed_ms(a, b) for a, b in marks[name]]
        out[name] = (spans[0], sum(spans[1:]) / (new_tokens - 1))
    return out


def timed_generation(
    model: Module, prompt: list[int], pad_id: int, new_tokens: int, timer: Timer
) -> tuple[float, float]:
    """(prefill ms, decode ms per token) of one greedy generation of one model, alone."""
    return lockstep_generation({"model": model}, prompt, pad_id, new_tokens, timer, ["model"])[
        "model"
    ]


def summarise(samples: list[float]) -> dict[str, float]:
    """Median, interquartile range and coefficient of variation of timed samples."""
    if len(samples) >= 2:
        q1, med, q3 = statistics.quantiles(samples, n=4, method="inclusive")
        mean = statistics.fmean(samples)
        cv = statistics.stdev(samples) / mean if mean > 0 else 0.0
    else:
        q1 = med = q3 = samples[0]
        cv = 0.0
    return {"median": med, "iqr": q3 - q1, "cv": cv}


@dataclass
class Samples:
    """Timed generations of one form, in pair order: sample i belongs to pair i."""

    prefill: list[float] = field(default_factory=list)
    decode: list[float] = field(default_factory=list)


@dataclass
class PairedRun:
    """What the paired protocol measured: per-form samples and why it stopped."""

    samples: dict[str, Samples]
    pairs: int
    ended_by: str  # "target" | "time_cap" | "max_pairs"
    seconds: float
    load_start: float | None
    load_end: float | None
    cpu_share: float | None  # process CPU seconds / wall seconds during the measurement
    timer: str
    prompt_sha: str
    threads: int | None = None  # torch threads while timing on a CPU (None: a GPU)

    def slowdowns(self, form: str) -> dict[str, PairedSlowdown]:
        base, other = self.samples[BASE], self.samples[form]
        return {
            "decode": paired_slowdown(base.decode, other.decode),
            "prefill": paired_slowdown(base.prefill, other.prefill),
        }


BASE = "base"


def _all_within(samples: dict[str, Samples], target_pp: float) -> bool:
    base = samples[BASE]
    for name, other in samples.items():
        if name == BASE:
            continue
        for b, o in ((base.decode, other.decode), (base.prefill, other.prefill)):
            if not paired_slowdown(b, o).within(target_pp):
                return False
    return True


def measure_paired(
    forms: dict[str, Module],
    vocab_size: int,
    pad_id: int,
    settings: LatencySettings,
    timer: Timer | None = None,
    now: Callable[[], float] = time.monotonic,
    seed: int = 0,
) -> PairedRun:
    """Time `forms` (must include "base") interleaved on one prompt until the slowdowns are tight.

    Every form is warmed with `warmup` untimed lockstep generations. Then blocks: each block is
    two lockstep generations of every form (`lockstep_generation`: one step of each form in
    turn, reversed every other step), the first in an order drawn from a seeded generator and
    the second in the mirrored order. So the steps a pair compares are tens of milliseconds
    apart, and a load that drifts linearly over the block cancels in the sums. Sample i of a
    form is the mean of its two generations' prefill and decode ms/token in block i, and sample
    i of any form against the base's sample i is one pair. Blocks go on until every
    slowdown (decode and prefill, every form against the base) has a 95 % half-width of at most
    `max_halfwidth_pp` points, or `max_seconds` of timing, or `max_pairs` blocks; `ended_by`
    says which. At least `min_pairs` blocks are always taken, even past the time cap.
    """
    if BASE not in forms:
        raise ValueError("paired latency needs the base model among the forms")
    models = list(forms.values())
    device = next(models[0].parameters()).device
    timer = timer or timer_for(device)
    prompt = fixed_prompt(settings.prompt_tokens, vocab_size)
    new = max(2, settings.new_tokens)
    modes = [bool(getattr(m, "training", False)) for m in models]
    for m in models:
        m.eval()  # dropout (e.g. LoRA's) off: it changes both the output and the cost
    threads = _timing_threads(device, settings.cpu_threads)
    collecting = gc.isenabled()
    rng = random.Random(seed)
    names = list(forms)
    samples = {name: Samples() for name in names}
    load_start = _load_average()
    try:
        for _ in range(settings.warmup):
            lockstep_generation(forms, prompt, pad_id, new, timer, rng.sample(names, len(names)))
        start, cpu_start = now(), time.process_time()
        wall_start = time.monotonic()

        def block() -> None:  # two mirrored lockstep generations of every form
            gc.collect()  # between blocks, untimed: no collection pause lands in one member
            gc.disable()
            order = rng.sample(names, len(names))
            first = lockstep_generation(forms, prompt, pad_id, new, timer, order)
            second = lockstep_generation(forms, prompt, pad_id, new, timer, order[::-1])
            for name in names:  # the mirrored pair cancels a load that drifts over the block
                samples[name].prefill.append((first[name][0] + second[name][0]) / 2)
                samples[name].decode.append((first[name][1] + second[name][1]) / 2)

        pairs, ended_by = _blocks(block, samples, settings, lambda: now() - start)
        wall = time.monotonic() - wall_start
        cpu = time.process_time() - cpu_start
    finally:
        if collecting:
            gc.enable()
        threads.restore()
        for m, mode in zip(models, modes, strict=True):
            m.train(mode)
    return PairedRun(
        samples=samples,
        pairs=pairs,
        ended_by=ended_by,
        seconds=now() - start,
        load_start=load_start,
        load_end=_load_average(),
        cpu_share=cpu / wall if wall > 0 else None,
        timer=timer.kind,
        prompt_sha=prompt_digest(prompt),
        threads=threads.used,
    )


def _blocks(
    block: Callable[[], None],
    samples: dict[str, Samples],
    settings: LatencySettings,
    elapsed: Callable[[], float],
) -> tuple[int, str]:
    """Run `block` until every slowdown is tight, the time cap, or `max_pairs` blocks (at least
    `min_pairs`, even past the time cap: fewer pairs give no interval); (blocks, why it ended)."""
    pairs = 0
    while pairs < settings.max_pairs:
        block()
        pairs += 1
        if pairs < settings.min_pairs:
            continue
        if _all_within(samples, settings.max_halfwidth_pp):
            return pairs, "target"
        if elapsed() >= settings.max_seconds:
            return pairs, "time_cap"
    return pairs, "max_pairs"


@dataclass
class _Threads:
    """The torch thread count set for timing, and how to put the previous one back."""

    used: int | None
    previous: int | None

    def restore(self) -> None:
        if self.previous is not None and self.previous != self.used:
            import torch

            torch.set_num_threads(self.previous)


def _timing_threads(device: torch.device, wanted: int) -> _Threads:
    """On a CPU, time with `wanted` torch threads (0: keep torch's count); on a GPU leave it."""
    if getattr(device, "type", str(device)) != "cpu":
        return _Threads(None, None)
    import torch

    previous = torch.get_num_threads()
    if wanted > 0 and wanted != previous:
        torch.set_num_threads(wanted)
    return _Threads(torch.get_num_threads(), previous)


def _load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None
