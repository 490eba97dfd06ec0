"""GPU acceptance: peftbench's training, decoding, latency and memory code on one GPU, one call.

    PYTHONPATH=src python benchmarks/gpu_acceptance.py --out docs/gpu/acceptance-h100.json
    PYTHONPATH=src python benchmarks/gpu_acceptance.py --tiny --out /tmp/tiny.json  # CPU, <1 min

Needs only torch, transformers, peft and accelerate (plus this repository): no weights, no
network. Models are built with random weights from the configs that ship in
src/peftbench/models/configs (the Llama-3.2-1B-Instruct and Meta-Llama-3-8B-Instruct shapes):
speed, memory and latency do not depend on the values of the weights, so the figures hold for
the real models; scores would not, and none is taken. `--tiny` runs the same code paths on a
CPU with a 2-layer, 64-wide model of the same family (tests/benchmarks/test_gpu_acceptance.py
runs it inside `make test`, so the script cannot rot).

Jobs: the seed's methods (the `default` suite's, with its method_params) and `frozen` on the 1B
shape, and LoRA on the 8B shape, in bf16. For each, through peftbench's own code:

- training (`training.trainer.train`, the one loop: HF Trainer, answer-only loss, bf16 autocast,
  float32 trainables): tokens/s as a run records it (`TrainResult`, the loop's set-up included)
  and in the steady state (marks after warm-up steps); model FLOPs utilisation (MFU) of the
  steady state: FLOPs of one real training step counted by `efficiency.flops.counted_flops` /
  step time / the device's bf16 peak, both the peak measured here (a large bf16 matmul) and the
  datasheet's (`efficiency.peak`);
- peak training memory (`efficiency.memory.MemoryProbe`: allocated and reserved on CUDA);
- precision: every trainable tensor float32, and its gradient float32, in a step under bf16
  autocast, the frozen base in bf16;
- decoding: peftbench's decoder (`evaluation.generate.greedy_generate`) against transformers'
  `generate()` on the same prompts, alternated in pairs, for the methods `generate()` handles
  (not prefix tuning: under transformers 5 + peft 0.21 its `generate()` drops the prefix);
- paired latency (`efficiency.measure.measure_adapted`, the record's own protocol: base,
  deployed and merged forms in lockstep, CUDA events on a GPU) against a base model built from
  the same seed.

Writes one JSON (--out) and prints a table. Exit status 1 when a figure is missing or a check
fails (trainable/gradient dtypes, CUDA timer and memory branches taken on a GPU, a job that
raised); the goals (LoRA MFU >= 35 % on the 1B shape, decoder within 10 % of `generate()`,
`frozen` and merged LoRA slowdown intervals containing 0) are reported, never gated.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SHAPE_1B = "hf:meta-llama/Llama-3.2-1B-Instruct"
SHAPE_8B = "hf:meta-llama/Meta-Llama-3-8B-Instruct"
# --tiny: the same family and code paths, small enough for a CPU test
TINY_SHAPE = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 16,
    "vocab_size": 512,
}
PAD = 0
WEIGHTS = (
    "random initialisation from the shipped configs (no weights): speed, memory and latency "
    "figures do not depend on weight values; no score is taken"
)
GOAL_MFU_PCT, GOAL_DECODER_RATIO = 35.0, 0.9


@dataclass(frozen=True)
class Scale:
    """Sizes of one run: the GPU run or --tiny."""

    device: str
    tiny: bool
    batch: dict[str, int]  # training batch per shape
    prompt_tokens: int  # per training example (masked), then answer tokens (labelled)
    answer_tokens: int
    warm_steps: dict[str, int]  # steps before the steady-state marks, per shape
    steps: dict[str, int]  # optimizer steps per shape (a multiple of warm_steps)
    decode: tuple[int, int, int, int]  # prompts, prompt tokens, new tokens, timed pairs
    matmul: tuple[int, int]  # size, repeats
    latency: dict[str, Any]  # LatencySettings
    budget_s: float  # jobs not started by then are skipped (and reported missing)


def scale_for(tiny: bool, device: str) -> Scale:
    if tiny:
        latency = dict(prompt_tokens=4, new_tokens=2, warmup=0, min_pairs=6, max_pairs=6)
        return Scale(
            device, True, {"1B": 2, "8B": 2}, 6, 2, {"1B": 1, "8B": 1}, {"1B": 3, "8B": 2},
            (2, 4, 2, 6), (128, 2), {**latency, "max_seconds": 0.01, "reuse": False}, 600.0,
        )  # fmt: skip
    latency = dict(prompt_tokens=64, new_tokens=16, warmup=2, min_pairs=8, max_pairs=60)
    return Scale(
        device, False, {"1B": 8, "8B": 4}, 448, 64, {"1B": 5, "8B": 3}, {"1B": 25, "8B": 12},
        (8, 64, 32, 6), (8192, 50), {**latency, "max_seconds": 12.0, "reuse": False}, 420.0,
    )  # fmt: skip


@dataclass(frozen=True)
class Job:
    shape: str  # "1B" | "8B"
    config_ref: str
    method: str
    params: dict[str, Any]


def jobs() -> list[Job]:
    """`frozen` and the default suite's methods on the 1B shape; LoRA on the 8B shape."""
    from peftbench.methods import METHODS
    from peftbench.suite import load_suite, method_params_of

    suite = load_suite("default")
    names = ["frozen", *(m for m in suite.methods if m != "frozen")]
    out = [Job("1B", SHAPE_1B, n, method_params_of(suite, n)) for n in names]
    out.append(Job("8B", SHAPE_8B, "lora", METHODS.get("lora").params()))
    return out


def config_of(job: Job, scale: Scale) -> dict[str, Any]:
    from peftbench.efficiency.meta import config_dict

    config = config_dict(job.config_ref)
    if scale.tiny:
        config.update(TINY_SHAPE)
        config.pop("rope_scaling", None)
    return config


def random_model(config: dict[str, Any], device: str) -> Any:
    """The model of `config` on `device` in bf16, random weights from seed 0 (so two calls
    give the same weights: the latency base is built this way after training)."""
    import torch

    from peftbench.efficiency.meta import model_from_config

    torch.manual_seed(0)
    return model_from_config(config, device, "bfloat16").eval()


# ---------------------------------------------------------------------------------- training


def synthetic_features(n: int, scale: Scale, vocab: int, seed: int) -> list[dict[str, list[int]]]:
    """`n` training examples of fixed length: a masked prompt, then labelled answer tokens."""
    import random

    from peftbench.training.data import IGNORE_INDEX

    rng = random.Random(seed)
    out = []
    for _ in range(n):
        ids = [rng.randrange(3, vocab) for _ in range(scale.prompt_tokens + scale.answer_tokens)]
        labels = [IGNORE_INDEX] * scale.prompt_tokens + ids[scale.prompt_tokens :]
        out.append({"input_ids": ids, "labels": labels})
    return out


def sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def train_figures(model: Any, job: Job, scale: Scale, vocab: int) -> dict[str, Any]:
    """Train through peftbench's loop; tokens/s as recorded and in the steady state (marks,
    after a device synchronisation, at every multiple of the warm-up steps)."""
    from peftbench.config.schema import TrainingSettings
    from peftbench.methods import METHODS
    from peftbench.training.trainer import Probe, train

    batch, steps, warm = scale.batch[job.shape], scale.steps[job.shape], scale.warm_steps[job.shape]
    feats = synthetic_features(batch * steps, scale, vocab, seed=1)
    settings = TrainingSettings(
        max_steps=steps,
        batch_size=batch,
        max_length=scale.prompt_tokens + scale.answer_tokens,
        precision="bf16",
        logging_steps=steps,  # one log (one host sync) per run: the loss is read at the end
        warmup_ratio=0.0,
    )
    marks: list[tuple[int, float]] = []

    def mark(step: int) -> None:
        sync(scale.device)
        marks.append((step, time.perf_counter()))

    method = METHODS.get(job.method)
    result = train(
        model, method, job.params, feats, PAD, settings, 0, False, probes=[Probe(warm, mark)]
    )
    (first, t0), (last, t1) = marks[0], marks[-1]
    step_s = (t1 - t0) / (last - first) if last > first else None
    tokens_per_step = batch * (scale.prompt_tokens + scale.answer_tokens)
    return {
        "train_batch": batch,
        "train_seq_tokens": scale.prompt_tokens + scale.answer_tokens,
        "train_steps": result.steps,
        "train_seconds": result.train_seconds,
        "tokens_per_second": result.tokens_per_second,
        "steady_steps": last - first,
        "steady_step_seconds": step_s,
        "steady_tokens_per_second": tokens_per_step / step_s if step_s else None,
        "final_loss": result.final_loss,
        "loss_logits": result.loss_logits,
        "upcast_trainable_entries": result.upcast_entries,
    }


def step_checks(model: Any, scale: Scale, feats: list[dict[str, list[int]]]) -> dict[str, Any]:
    """One training step as the loop runs it (answer-only loss under bf16 autocast, backward):
    its FLOPs (`counted_flops`), and the dtypes of trainables, their gradients and the base."""
    import torch

    from peftbench.efficiency.flops import counted_flops
    from peftbench.training.data import PadCollator
    from peftbench.training.loss import loss_plan, summed_loss

    inputs = {k: v.to(scale.device) for k, v in PadCollator(PAD)(feats).items()}
    plan = loss_plan(model)
    device_type = scale.device.split(":")[0]
    model.train()
    model.zero_grad(set_to_none=True)

    def step() -> None:
        with torch.autocast(device_type=device_type, dtype=torch.bfloat16):
            total, count = summed_loss(model, inputs, plan)
        (total / count).backward()

    flops = counted_flops(step)
    trainable = [p for p in {id(p): p for p in model.parameters()}.values() if p.requires_grad]
    frozen = {str(p.dtype) for p in model.parameters() if not p.requires_grad}
    out = {
        "step_flops": flops,
        "trainable_dtypes": sorted({str(p.dtype) for p in trainable}),
        "grad_dtypes": sorted({str(p.grad.dtype) for p in trainable if p.grad is not None}),
        "trainables_without_grad": sum(p.grad is None for p in trainable),
        "frozen_dtypes": sorted(frozen),
    }
    model.zero_grad(set_to_none=True)
    model.eval()
    return out


# ---------------------------------------------------------------------------------- decoding


def decode_prompts(scale: Scale, vocab: int) -> list[list[int]]:
    n, length, _, _ = scale.decode
    return [[3 + (i * 7919 + j * 104729) % (vocab - 3) for j in range(length)] for i in range(n)]


def generate_handles(model: Any) -> tuple[bool, str]:
    """Whether transformers' `generate()` decodes this model as trained (for the comparison)."""
    from peftbench.evaluation.generate import virtual_kind

    kind = virtual_kind(model)
    if kind in ("none", "embeddings"):
        return True, ""
    return False, (
        f"virtual tokens of kind '{kind}': under transformers 5 + peft 0.21 generate() drops "
        "a prefix (the reason peftbench has its own decoder); decoder figure only"
    )


def decode_figures(model: Any, scale: Scale, vocab: int) -> dict[str, Any]:
    """peftbench's decoder vs `generate()`: same prompts, greedy, exactly `new` tokens each,
    timed alternately in pairs (one untimed pair first); paired slowdown of the decoder."""
    import torch

    from peftbench.efficiency.paired import paired_slowdown
    from peftbench.evaluation.generate import greedy_generate

    prompts = decode_prompts(scale, vocab)
    n, _, new, pairs = scale.decode
    handled, why = generate_handles(model)
    ids = torch.tensor(prompts, device=scale.device)

    def ours() -> list[list[int]]:
        return greedy_generate(model, prompts, PAD, new)

    def theirs() -> list[list[int]]:
        with torch.inference_mode():
            out = model.generate(
                input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=False,
                max_new_tokens=new, min_new_tokens=new, pad_token_id=PAD,
            )  # fmt: skip
        return [row[-new:] for row in out.tolist()]

    runs = {"decoder": ours, **({"generate": theirs} if handled else {})}
    times: dict[str, list[float]] = {k: [] for k in runs}
    tokens: dict[str, list[list[int]]] = {}
    for i in range(pairs + 1):
        for name in list(runs) if i % 2 == 0 else list(runs)[::-1]:
            sync(scale.device)
            start = time.perf_counter()
            tokens[name] = runs[name]()
            sync(scale.device)
            if i > 0:
                times[name].append(time.perf_counter() - start)
    out: dict[str, Any] = {
        "decode_prompts": n,
        "decode_new_tokens": new,
        "decoder_tokens_per_s": n * new / statistics.median(times["decoder"]),
        "decoder_token_count_ok": all(len(t) == new for t in tokens["decoder"]),
    }
    if not handled:
        return {**out, "generate_skipped": why}
    slow = paired_slowdown(times["generate"], times["decoder"])
    same = sum(a == b for x, y in zip(tokens["decoder"], tokens["generate"]) for a, b in zip(x, y))
    return {
        **out,
        "generate_tokens_per_s": n * new / statistics.median(times["generate"]),
        "decoder_vs_generate_slowdown_pct": slow.pct,
        "decoder_vs_generate_ci_low_pct": slow.ci_low_pct,
        "decoder_vs_generate_ci_high_pct": slow.ci_high_pct,
        "decoder_generate_token_agreement": same / (n * new),
    }


# ---------------------------------------------------------------------------------- latency


def latency_figures(
    model: Any, job: Job, config: dict[str, Any], scale: Scale, base_params: int, vocab: int
) -> dict[str, Any]:
    """The record's paired latency (`measure_adapted`) against a base built from the same seed."""
    import torch

    from peftbench.config.schema import LatencySettings, MeasurementSettings
    from peftbench.efficiency.measure import measure_adapted
    from peftbench.efficiency.params import save_adapter
    from peftbench.methods import METHODS
    from peftbench.models.base import LoadedModel

    method = METHODS.get(job.method)
    base = random_model(config, scale.device)
    words = model.get_input_embeddings().weight
    same_base = bool(torch.equal(base.get_input_embeddings().weight, words))
    loaded = LoadedModel(job.shape, base, None, str(config["model_type"]), {})
    settings = MeasurementSettings(latency=LatencySettings(**scale.latency), flops=False)
    with tempfile.TemporaryDirectory(prefix="peftbench-gpu-") as folder:
        adapter = save_adapter(model, Path(folder))
        out = measure_adapted(
            model, base, base_params, vocab, PAD, settings, Path(folder), method.mergeable,
            reload=lambda fresh, path: method.load_saved(fresh, loaded, path), seed=0,
        )  # fmt: skip
    del base
    figures = out.to_json()
    return {**figures, "adapter_params": adapter["adapter_params"], "latency_base_same_seed": same_base}


# ---------------------------------------------------------------------------------- one job


def release() -> None:
    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def run_job(job: Job, scale: Scale, peak: dict[str, Any]) -> dict[str, Any]:
    """Every figure of one (shape, method); an exception is recorded, not raised."""
    from peftbench.efficiency.memory import MemoryProbe
    from peftbench.efficiency.params import count_parameters
    from peftbench.methods import METHODS, Method
    from peftbench.models.base import LoadedModel

    started = time.perf_counter()
    out: dict[str, Any] = {"shape": job.shape, "config": job.config_ref, "method": job.method}
    out["params"] = {k: v for k, v in job.params.items() if not isinstance(v, bytes)}
    figures: dict[str, Any] = {}
    model = None
    try:
        config = config_of(job, scale)
        vocab = int(config["vocab_size"])
        method = METHODS.get(job.method)
        probe = MemoryProbe.start(scale.device)
        model = random_model(config, scale.device)
        _, base_params = count_parameters(model)
        probe.rearm()
        loaded = LoadedModel(job.shape, model, None, str(config["model_type"]), {})
        model = method.build(model, loaded, Method.build_params(job.params))
        trainable, _ = count_parameters(model)
        figures.update(base_params=base_params, trainable_params=trainable)
        if method.trains:
            figures.update(train_figures(model, job, scale, vocab))
            figures.update(probe.peak())  # right after training, as a run reads it
            feats = synthetic_features(scale.batch[job.shape], scale, vocab, seed=2)
            figures.update(step_checks(model, scale, feats))
            figures.update(mfu(figures, peak))
        figures.update(decode_figures(model, scale, vocab))
        figures.update(latency_figures(model, job, config, scale, base_params, vocab))
    except Exception as exc:  # recorded: the other jobs still run, the exit status says it
        out["error"] = f"{type(exc).__name__}: {exc}"
        out["traceback"] = traceback.format_exc(limit=8)
    finally:
        model = None
        release()
    out["figures"] = figures
    out["seconds"] = time.perf_counter() - started
    return out


def mfu(figures: dict[str, Any], peak: dict[str, Any]) -> dict[str, Any]:
    """MFU of the steady state against the measured and the datasheet peak (efficiency.peak)."""
    from peftbench.efficiency.peak import mfu_pct

    flops, seconds = figures["step_flops"], figures["steady_step_seconds"] or 0.0
    return {
        "mfu_measured_peak_pct": mfu_pct(flops, seconds, peak["measured_tflops"]),
        "mfu_datasheet_pct": mfu_pct(flops, seconds, peak["datasheet_tflops"]),
    }


# ---------------------------------------------------------------------------------- checks


def required(job_out: dict[str, Any], scale: Scale) -> list[str]:
    """The figures a job must have (a missing or non-finite one fails the run)."""
    from peftbench.methods import METHODS

    method = METHODS.get(job_out["method"])
    keys = ["decoder_tokens_per_s", "latency_ms_per_token", "base_latency_ms_per_token"]
    keys += ["slowdown_pct", "slowdown_ci_low_pct", "slowdown_ci_high_pct"]
    if method.mergeable:
        keys += ["merged_slowdown_pct", "merged_slowdown_ci_low_pct", "merged_slowdown_ci_high_pct"]
    if "generate_skipped" not in job_out["figures"]:
        keys += ["generate_tokens_per_s", "decoder_vs_generate_slowdown_pct"]
    if method.trains:
        keys += ["tokens_per_second", "steady_tokens_per_second", "step_flops"]
        keys += ["mfu_measured_peak_pct", "peak_train_mem_mb"]
        if scale.device.startswith("cuda"):
            keys += ["peak_train_reserved_mb", "mfu_datasheet_pct"]
    return keys


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def checks(job_out: dict[str, Any], scale: Scale) -> dict[str, bool]:
    """Pass/fail checks of one job (gated: any False fails the run)."""
    fig = job_out["figures"]
    got = {"ran without error": "error" not in job_out}
    got["every figure present"] = all(_finite(fig.get(k)) for k in required(job_out, scale))
    if "trainable_dtypes" in fig:
        got["trainables float32"] = fig["trainable_dtypes"] == ["torch.float32"]
        got["gradients float32 under bf16 autocast"] = fig["grad_dtypes"] == ["torch.float32"]
        got["frozen base bf16"] = fig["frozen_dtypes"] == ["torch.bfloat16"]
    if "decoder_token_count_ok" in fig:
        got["decoder gave every token"] = bool(fig["decoder_token_count_ok"])
    if scale.device.startswith("cuda") and "latency_timer" in fig:
        got["latency timed with CUDA events"] = fig["latency_timer"] == "cuda events"
    if scale.device.startswith("cuda") and "memory_kind" in fig:
        got["memory from the CUDA allocator"] = fig["memory_kind"].startswith("cuda")
    return got


def _contains_zero(fig: dict[str, Any], prefix: str) -> bool | None:
    lo, hi = fig.get(f"{prefix}slowdown_ci_low_pct"), fig.get(f"{prefix}slowdown_ci_high_pct")
    return None if lo is None or hi is None else lo <= 0.0 <= hi


def goals(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's goals, reported against the figures (never gated)."""
    out = []
    for r in results:
        fig, name = r["figures"], f"{r['shape']} {r['method']}"
        if r["method"] == "lora" and r["shape"] == "1B":
            value = fig.get("mfu_datasheet_pct") or fig.get("mfu_measured_peak_pct")
            met = None if value is None else value >= GOAL_MFU_PCT
            out.append({"goal": f"{name}: MFU >= {GOAL_MFU_PCT:.0f} %", "value": value, "met": met})
        if "generate_tokens_per_s" in fig:
            ratio = fig["decoder_tokens_per_s"] / fig["generate_tokens_per_s"]
            goal = f"{name}: decoder >= {GOAL_DECODER_RATIO:.0%} of generate() throughput"
            out.append({"goal": goal, "value": ratio, "met": ratio >= GOAL_DECODER_RATIO})
        if r["method"] == "frozen":
            goal = f"{name}: slowdown interval contains 0"
            out.append({"goal": goal, "value": fig.get("slowdown_pct"), "met": _contains_zero(fig, "")})
        if fig.get("merged"):
            goal = f"{name}: merged slowdown interval contains 0"
            value = fig.get("merged_slowdown_pct")
            out.append({"goal": goal, "value": value, "met": _contains_zero(fig, "merged_")})
    return out


# ---------------------------------------------------------------------------------- output


def _num(value: Any, fmt: str = "{:.1f}") -> str:
    return fmt.format(value) if _finite(value) else "-"


def _interval(fig: dict[str, Any], prefix: str) -> str:
    pct = fig.get(f"{prefix}slowdown_pct")
    if not _finite(pct):
        return "-"
    lo, hi = fig.get(f"{prefix}slowdown_ci_low_pct"), fig.get(f"{prefix}slowdown_ci_high_pct")
    return f"{pct:+.1f} [{_num(lo, '{:+.1f}')}, {_num(hi, '{:+.1f}')}]"


def table(results: list[dict[str, Any]]) -> str:
    from peftbench.reports.text_table import fixed_width

    head = ["shape", "method", "train tok/s", "MFU % (sheet/meas)", "peak MiB (alloc/res)"]
    head += ["slowdown % [95% CI]", "merged % [95% CI]", "decoder tok/s", "generate tok/s"]
    head += ["checks"]
    rows = []
    for r in results:
        f = r["figures"]
        mfu_text = f"{_num(f.get('mfu_datasheet_pct'))}/{_num(f.get('mfu_measured_peak_pct'))}"
        mem = f"{_num(f.get('peak_train_mem_mb'), '{:.0f}')}/"
        mem += _num(f.get("peak_train_reserved_mb"), "{:.0f}")
        failed = [k for k, ok in r["checks"].items() if not ok]
        rows.append(
            [
                r["shape"], r["method"], _num(f.get("steady_tokens_per_second"), "{:,.0f}"),
                mfu_text, mem, _interval(f, ""), _interval(f, "merged_"),
                _num(f.get("decoder_tokens_per_s"), "{:,.0f}"),
                _num(f.get("generate_tokens_per_s"), "{:,.0f}"),
                "ok" if not failed else "FAILED: " + "; ".join(failed),
            ]
        )  # fmt: skip
    return fixed_width(head, rows)


def machine(device: str) -> dict[str, Any]:
    import accelerate
    import peft
    import torch
    import transformers

    from peftbench.efficiency.units import device_label

    out: dict[str, Any] = {
        "device": device_label(device),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "accelerate": accelerate.__version__,
        "host": platform.node(),
    }
    if device.startswith("cuda"):
        props = torch.cuda.get_device_properties(torch.cuda.current_device())
        out.update(gpu=props.name, gpu_memory_gib=props.total_memory / 2**30)
        out["gpu_capability"] = f"{props.major}.{props.minor}"
    return out


def peak_figures(scale: Scale) -> dict[str, Any]:
    from peftbench.efficiency.peak import datasheet_peak, measured_peak_tflops

    size, repeats = scale.matmul
    name = "cpu"
    if scale.device.startswith("cuda"):
        import torch

        name = torch.cuda.get_device_name(torch.cuda.current_device())
    sheet = datasheet_peak(name)
    return {
        "measured_tflops": measured_peak_tflops(scale.device, size, repeats),
        "measured_how": f"{size} x {size} bf16 matmul x {repeats}, 2 n^3 FLOPs each",
        "datasheet_tflops": sheet.tflops,
        "datasheet_source": sheet.source,
    }


def run(tiny: bool, only: list[str] | None) -> dict[str, Any]:
    import torch

    from peftbench.quiet import quiet_libraries

    quiet_libraries()
    device = "cpu" if tiny or not torch.cuda.is_available() else "cuda"
    scale = scale_for(tiny or device == "cpu", device)
    threads = torch.get_num_threads()
    if scale.tiny:
        # a tiny model gains nothing from a second thread, and on a shared CPU a thread that
        # waits for its core stalls every parallel region (100x slower steps, measured here)
        torch.set_num_threads(1)
    try:
        return _run(scale, only)
    finally:
        torch.set_num_threads(threads)


def _run(scale: Scale, only: list[str] | None) -> dict[str, Any]:
    started = time.perf_counter()
    device = scale.device
    report: dict[str, Any] = {
        "script": "benchmarks/gpu_acceptance.py",
        "mode": "tiny (CPU)" if scale.tiny else "GPU",
        "weights": WEIGHTS,
        "machine": machine(device),
        "scale": asdict(scale),
        "peak": peak_figures(scale),
    }
    results = []
    todo = jobs()
    gc.collect()
    gc.freeze()  # the libraries' objects: out of every later collection (the latency protocol
    # collects between blocks; each full pass over them took 0.7 s on a loaded CPU)
    for job in todo:
        if only and job.method not in only:
            continue
        if time.perf_counter() - started > scale.budget_s:
            results.append(_skipped(job, scale.budget_s))
            continue
        print(f"[{time.perf_counter() - started:6.1f}s] {job.shape} {job.method}", flush=True)
        results.append(run_job(job, scale, report["peak"]))
        results[-1]["checks"] = checks(results[-1], scale)
    report["results"] = results
    report["goals"] = goals(results)
    report["failed"] = [
        f"{r['shape']} {r['method']}: {k}" for r in results for k, ok in r["checks"].items() if not ok
    ]
    report["seconds"] = time.perf_counter() - started
    gc.unfreeze()
    return report


def _skipped(job: Job, budget: float) -> dict[str, Any]:
    out = {"shape": job.shape, "method": job.method, "figures": {}}
    out["error"] = f"not started: the script's {budget:.0f} s budget was spent"
    out["checks"] = {"ran without error": False}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="where the JSON goes")
    ap.add_argument("--tiny", action="store_true", help="CPU, tiny model, same code paths")
    ap.add_argument("--methods", help="comma-separated subset of the jobs' methods (a rerun)")
    args = ap.parse_args(argv)
    only = args.methods.split(",") if args.methods else None
    report = run(args.tiny, only)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"\n{report['mode']} on {report['machine']['device']}; weights: {WEIGHTS}")
    peak = report["peak"]
    print(f"bf16 peak: measured {peak['measured_tflops']:.1f} TFLOP/s; datasheet "
          f"{_num(peak['datasheet_tflops'])} ({peak['datasheet_source']})")  # fmt: skip
    print(table(report["results"]))
    for g in report["goals"]:
        met = {True: "met", False: "NOT met", None: "n/a"}[g["met"]]
        print(f"goal {g['goal']}: {_num(g['value'], '{:.3g}')} -> {met}")
    for failure in report["failed"]:
        print(f"FAILED {failure}")
    print(f"{report['seconds']:.0f} s; JSON: {args.out}")
    return 1 if report["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
