"""Unit of every efficiency figure, and the device it was measured on, for the run record.

`efficiency.json` keeps its flat keys (what readers index) and adds `figures`: for each number
(or list of numbers) its value, unit and measuring device. `base_` and `merged_` variants share
the unit of the plain key. docs/measurements.md defines every figure; a test checks that a real
record has no number without a unit here.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from pathlib import Path

from peftbench.json_types import JSONObject, JSONValue

PARAMS = "parameters"
UNITS: dict[str, str] = {
    # parameters and storage
    "trainable_params": PARAMS,
    "total_params": PARAMS,
    "base_params": PARAMS,
    "trainable_pct": "% of base parameters",
    "adapter_params": PARAMS,
    "inference_params": PARAMS,
    "train_only_params": PARAMS,
    "added_params": PARAMS,
    "adapter_bytes": "bytes",
    "adapter_weights_bytes": "bytes",
    # latency
    "latency_ms_per_token": "ms/token",
    "latency_iqr_ms": "ms/token",
    "latency_cv": "ratio (std/mean)",
    "prefill_ms": "ms",
    "prefill_iqr_ms": "ms",
    "prefill_cv": "ratio (std/mean)",
    "latency_samples_ms": "ms/token",
    "prefill_samples_ms": "ms",
    "slowdown_pct": "%",
    "slowdown_ci_low_pct": "%",
    "slowdown_ci_high_pct": "%",
    "slowdown_halfwidth_pp": "percentage points",
    "prefill_slowdown_pct": "%",
    "prefill_slowdown_ci_low_pct": "%",
    "prefill_slowdown_ci_high_pct": "%",
    "prefill_slowdown_halfwidth_pp": "percentage points",
    "latency_load_avg_1min": "runnable processes (1-min load average)",
    "latency_load_avg_1min_end": "runnable processes (1-min load average)",
    "latency_cpu_share": "CPU seconds per wall second",
    "latency_threads": "torch threads",
    "latency_pairs": "pairs",
    "latency_seconds": "s",
    "latency_warmup": "runs",
    "latency_min_pairs": "pairs",
    "latency_max_pairs": "pairs",
    "latency_max_seconds": "s",
    "latency_max_halfwidth_pp": "percentage points",
    "latency_prompt_tokens": "tokens",
    "latency_new_tokens": "tokens",
    "max_abs_logit_diff": "logits (absolute)",
    "inference_form_max_abs_logit_diff": "logits (absolute)",
    # FLOPs
    "flops": "FLOPs",
    "flops_tokens": "tokens",
    "extra_tflops": "TFLOPs",
    # memory
    "peak_train_mem_mb": "MiB",
    "peak_train_reserved_mb": "MiB",
    "peak_rss_mb": "MiB",
    "memory_baseline_mb": "MiB",
    "rss_file_growth_mb": "MiB",
    # training
    "steps": "optimizer steps",
    "train_seconds": "s",
    "tokens": "tokens",
    "tokens_per_second": "tokens/s",
    "final_loss": "mean token cross-entropy (nats)",
    "probe_seconds": "s",  # held-out loss checkpoints and learning-curve points, within training
    "val_examples": "examples",
    "val_checkpoints": "(optimizer step, held-out loss in nats) per checkpoint",
    "selected_step": "optimizer steps",
    "upcast_trainable_entries": "parameters",  # bf16/fp16 trainables given fp32 masters
}
PREFIXES = ("base_", "merged_")


def unit_of(key: str) -> str | None:
    if key in UNITS:
        return UNITS[key]
    for prefix in PREFIXES:
        if key.startswith(prefix) and key[len(prefix) :] in UNITS:
            return UNITS[key[len(prefix) :]]
    return None


def _is_figure(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, list) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in value
    )


def figures(efficiency: Mapping[str, JSONValue], device: str) -> dict[str, JSONObject]:
    """{key: {value, unit, device}} for every number (or list of numbers) in `efficiency`."""
    return {
        key: {"value": value, "unit": unit_of(key), "device": device}
        for key, value in efficiency.items()
        if _is_figure(value)
    }


def device_label(device: str) -> str:
    """The device in words: GPU name, or CPU model and torch thread count."""
    import torch

    if device.startswith("cuda"):
        index = torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    return f"cpu ({cpu_model()}, {torch.get_num_threads()} threads)"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
