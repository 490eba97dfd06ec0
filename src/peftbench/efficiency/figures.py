"""The efficiency figures of one run, typed, in the groups the measurements produce them.

`efficiency.json` is one flat object (docs/measurements.md defines every key); each group here
is a frozen `Flat` dataclass whose fields are those keys, some groups written under a prefix
(`base_`, `merged_`, `slowdown_`, ...). The measurements build these objects (`measure_adapted`
returns `AdaptedFigures`; the pipeline adds `AdapterFigures`, `MemoryFigures`, `TrainFigures`),
and the run record reads the same groups back (`results.record.Efficiency.measured`), so a
figure has one name and one type from the measurement to every reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from peftbench.json_types import Flat


@dataclass(frozen=True)
class FormTimings(Flat):
    """Decode and prefill timings of one form (base, deployed, merged): medians of this run's
    samples, their spread, and the raw samples in pair order."""

    latency_ms_per_token: float | None = None
    latency_iqr_ms: float | None = None
    latency_cv: float | None = None
    prefill_ms: float | None = None
    prefill_iqr_ms: float | None = None
    prefill_cv: float | None = None
    latency_samples_ms: list[float] | None = None
    prefill_samples_ms: list[float] | None = None


@dataclass(frozen=True)
class Slowdown(Flat):
    """A paired slowdown against the base (efficiency/paired.py), written under its key's prefix
    (`slowdown_pct`, `slowdown_ci_low_pct`, ...); `wide`: its interval is wider than asked."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset({"ci_low_pct", "ci_high_pct", "halfwidth_pp"})

    pct: float | None = None
    ci_low_pct: float | None = None
    ci_high_pct: float | None = None
    halfwidth_pp: float | None = None
    wide: bool | None = None


@dataclass(frozen=True)
class FormVsBase(Flat):
    """One form timed against the base in the same paired run, and its FLOPs."""

    PREFIXED: ClassVar[dict[str, str]] = {
        "timings": "",
        "slowdown": "slowdown_",
        "prefill_slowdown": "prefill_slowdown_",
    }

    NULLABLE: ClassVar[frozenset[str]] = frozenset({"flops", "extra_tflops"})

    timings: FormTimings | None = None
    slowdown: Slowdown | None = None
    prefill_slowdown: Slowdown | None = None
    flops: float | None = None
    extra_tflops: float | None = None


@dataclass(frozen=True)
class LatencyProtocol(Flat):
    """How the latency figures were taken, and under which machine load."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset(
        {
            "latency_load_avg_1min",
            "latency_load_avg_1min_end",
            "latency_cpu_share",
            "latency_threads",
        }
    )

    latency_timer: str | None = None
    latency_prompt_sha: str | None = None
    base_latency_prompt_sha: str | None = None  # one prompt for every form, by construction
    latency_pairs: int | None = None
    latency_ended_by: str | None = None
    latency_seconds: float | None = None
    latency_load_avg_1min: float | None = None
    latency_load_avg_1min_end: float | None = None
    latency_cpu_share: float | None = None
    latency_threads: int | None = None
    latency_warmup: int | None = None
    latency_min_pairs: int | None = None
    latency_max_pairs: int | None = None
    latency_max_seconds: float | None = None
    latency_max_halfwidth_pp: float | None = None
    latency_prompt_tokens: int | None = None
    latency_new_tokens: int | None = None


@dataclass(frozen=True)
class MergeFigures(Flat):
    """Whether the adapter was merged into the base for timing, how, and what it changed."""

    merged: bool | None = None
    merge_mode: str | None = None
    # parameters the merged model has beyond the base (BitFit's added biases); unknown when
    # merged in place, where the adapter tensors still exist
    merged_added_params: int | None = None
    merged_max_abs_logit_diff: float | None = None
    merge_error: str | None = None
    # when the merge had to be done in place, the merged form was timed in a second paired run
    merged_latency_pairs: int | None = None
    merged_latency_ended_by: str | None = None


@dataclass(frozen=True)
class InferenceFigures(Flat):
    """The deployed form: what it is, how far its logits are from the trained model's, and the
    parameters it adds to the base (and the trainable ones it does without)."""

    inference_form: str | None = None
    inference_form_max_abs_logit_diff: float | None = None
    inference_params: int | None = None
    train_only_params: int | None = None


@dataclass(frozen=True)
class AdaptedFigures(Flat):
    """Everything `measure_adapted` measures: the paired latency run's forms and protocol, FLOPs,
    the deployed and merged forms."""

    PREFIXED: ClassVar[dict[str, str]] = {
        "inference": "",
        "merge": "",
        "protocol": "",
        "base": "base_",
        "adapted": "",
        "merged_form": "merged_",
    }

    NULLABLE: ClassVar[frozenset[str]] = frozenset({"base_flops"})

    inference: InferenceFigures | None = None
    merge: MergeFigures | None = None
    protocol: LatencyProtocol | None = None
    base: FormTimings | None = None
    adapted: FormVsBase | None = None
    merged_form: FormVsBase | None = None
    base_flops: float | None = None
    latency_reused_from: str | None = None  # the run whose paired latency run this reuses


@dataclass(frozen=True)
class AdapterFigures(Flat):
    """What the method stored: parameters, the adapter folder's bytes, the weights' bytes."""

    adapter_params: int | None = None
    adapter_bytes: int | None = None
    adapter_weights_bytes: int | None = None


@dataclass(frozen=True)
class MemoryFigures(Flat):
    """The training peak and how it was taken (efficiency/memory.py)."""

    peak_train_mem_mb: float | None = None
    peak_train_reserved_mb: float | None = None  # cuda
    peak_rss_mb: float | None = None  # cpu
    rss_file_growth_mb: float | None = None  # cpu
    memory_baseline_mb: float | None = None
    memory_kind: str | None = None
    memory_covers: str | None = None
    memory_excludes: str | None = None


@dataclass(frozen=True)
class TrainFigures(Flat):
    """The training run: steps, time, tokens, loss, and the held-out checkpoints it chose from."""

    trained: bool | None = None
    steps: int | None = None
    train_seconds: float | None = None
    tokens: int | None = None
    tokens_per_second: float | None = None
    final_loss: float | None = None
    upcast_trainable_entries: int | None = None  # bf16/fp16 trainables given fp32 masters
    probe_seconds: float | None = None
    loss_logits: str | None = None  # labelled positions only, or all and why
    val_examples: int | None = None
    val_checkpoints: list[dict[str, float]] | None = None  # step and held-out loss
    selected_step: int | None = None


@dataclass(frozen=True)
class Measured(Flat):
    """Every figure of efficiency.json beyond the record's typed headline fields, by group;
    `figures` gives each number with its unit and device, `units` each key's unit
    (efficiency/units.py). Keys no group knows stay in `extra`, as written."""

    PREFIXED: ClassVar[dict[str, str]] = {
        "adapter": "",
        "memory": "",
        "training": "",
        "adapted": "",
    }

    adapter: AdapterFigures | None = None
    memory: MemoryFigures | None = None
    training: TrainFigures | None = None
    adapted: AdaptedFigures | None = None
    figures: dict[str, dict[str, object]] | None = None
    units: dict[str, str] | None = None
