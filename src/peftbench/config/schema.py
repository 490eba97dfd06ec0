"""The frozen shape of a suite: every setting with its type and default, in one place.

A suite file is validated against these dataclasses by `config.validate.build`: unknown keys fail
with a "did you mean", wrong types name the key and the value. Everything that changes a run's
result is in `RunSpec`, whose hash is the run_id.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from peftbench.errors import UserError


@dataclass(frozen=True)
class TrainingSettings:
    """Shared by every method in the grid (per-method learning rates live in method presets)."""

    max_steps: int = -1  # > 0 overrides epochs
    epochs: float = 1.0
    batch_size: int = 4
    grad_accum: int = 1
    max_length: int = 256  # prompt + answer tokens; longer prompts are cut from the left
    lr_scheduler: str = "cosine"
    warmup_ratio: float = 0.1
    weight_decay: float = 1e-5
    optimizer: str = "adamw_torch"
    precision: str = "auto"  # auto: bf16 on a CUDA GPU that supports it, else fp32
    max_train_examples: int | None = None
    logging_steps: int = 1


@dataclass(frozen=True)
class EvaluationSettings:
    batch_size: int = 16
    max_eval_examples: int | None = None
    max_new_tokens: int | None = None  # None: the dataset's own


@dataclass(frozen=True)
class LatencySettings:
    """Fixed synthetic prompt of `prompt_tokens`, greedy decode of `new_tokens`, batch 1.

    Base and adapted forms are timed paired and interleaved (docs/measurements.md): `warmup`
    untimed generations per form, then blocks of one timed generation per form until every
    slowdown's 95 % half-width is at most `max_halfwidth_pp` points (after `min_pairs` blocks),
    or `max_seconds` of timing, or `max_pairs` blocks. `merged`: also time the merged form of
    methods that can merge.
    """

    prompt_tokens: int = 64
    new_tokens: int = 16
    warmup: int = 2
    min_pairs: int = 8
    max_pairs: int = 400
    max_seconds: float = 30.0
    max_halfwidth_pp: float = 3.0
    merged: bool = True

    def __post_init__(self) -> None:
        for key, value, low in (
            ("prompt_tokens", self.prompt_tokens, 1),
            ("new_tokens", self.new_tokens, 2),
            ("warmup", self.warmup, 0),
            ("min_pairs", self.min_pairs, 1),
            ("max_pairs", self.max_pairs, 1),
        ):
            if isinstance(value, int) and value < low:
                raise UserError(
                    f"'measurement.latency.{key}' is {value}, but must be at least {low}",
                    f"set measurement.latency.{key} to {low} or more",
                )
        for key, value in (
            ("max_seconds", self.max_seconds),
            ("max_halfwidth_pp", self.max_halfwidth_pp),
        ):
            if isinstance(value, int | float) and value <= 0:
                raise UserError(
                    f"'measurement.latency.{key}' is {value}, but must be greater than 0",
                    f"set measurement.latency.{key} to a positive number",
                )
        if (
            isinstance(self.min_pairs, int)
            and isinstance(self.max_pairs, int)
            and self.max_pairs < self.min_pairs
        ):
            raise UserError(
                f"'measurement.latency.max_pairs' ({self.max_pairs}) is below min_pairs "
                f"({self.min_pairs})",
                "set measurement.latency.max_pairs to at least min_pairs",
            )


@dataclass(frozen=True)
class MeasurementSettings:
    latency: LatencySettings = field(default_factory=LatencySettings)
    flops_tokens: int = 512  # forward FLOPs counted for batch 1 x this many tokens
    flops: bool = True


@dataclass(frozen=True)
class PscpSeedSettings:
    """Seed form: S * exp(-a P/Pmax - b L/Lmax - g M/Mmax)."""

    a: float = 1.0
    b: float = 1.0
    g: float = 1.0


@dataclass(frozen=True)
class PscpPaperSettings:
    """Paper form: S * (1+P/cp)^-bp * (1+F/cf)^-bf * (1+M/cm)^-bm (F in TFLOPs, M in GB)."""

    cp: float = 5e8
    cf: float = 10.0
    cm: float = 94.0
    bp: float = 2.0
    bf: float = 2.0
    bm: float = 2.0


@dataclass(frozen=True)
class ScoringSettings:
    pscp: PscpSeedSettings = field(default_factory=PscpSeedSettings)
    pscp_paper: PscpPaperSettings = field(default_factory=PscpPaperSettings)


@dataclass(frozen=True)
class ModelOptions:
    dtype: str = "float32"
    trust_remote_code: bool = False
    revision: str | None = None
    init_seed: int = 0  # only for models built in code


RESERVED_RESOURCES = ("CPU", "GPU", "memory", "object_store_memory")


@dataclass(frozen=True)
class ResourceSettings:
    """What each run asks the execution backend for (the `ray` backend places runs by it).

    Not part of a run's identity (not in `RunSpec`): moving a grid to a bigger cluster keeps its
    run_ids, so completed runs are still skipped. The `local` backend runs one run at a time on
    this machine and ignores it.
    """

    num_cpus: float = 1.0
    num_gpus: float | None = None  # None: 1 per run when the cluster has GPUs, else 0
    memory_gb: float | None = None  # memory reserved per run (Ray's logical `memory` resource)
    custom: dict[str, float] = field(default_factory=dict)  # e.g. {"a100": 1}
    max_retries: int = 2  # re-runs after the worker died (crash, OOM kill, lost node)

    def __post_init__(self) -> None:
        checks = [("num_cpus", self.num_cpus), ("num_gpus", self.num_gpus)]
        checks += [("memory_gb", self.memory_gb), ("max_retries", self.max_retries)]
        for key, value in checks:
            if value is not None and value < 0:
                raise UserError(
                    f"'resources.{key}' is {value}, but a resource request cannot be negative",
                    f"set resources.{key} to 0 or more",
                )
        for name, amount in self.custom.items():
            if name in RESERVED_RESOURCES:
                raise UserError(
                    f"'resources.custom.{name}' names a built-in resource",
                    "use resources.num_cpus / num_gpus / memory_gb for CPUs, GPUs and memory",
                )
            if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount <= 0:
                raise UserError(
                    f"'resources.custom.{name}' must be a positive number, got {amount!r}",
                    f"e.g. resources.custom.{name}: 1",
                )


@dataclass(frozen=True)
class Suite:
    name: str
    models: tuple[str, ...]
    methods: tuple[str, ...]
    datasets: tuple[str, ...]
    description: str = ""
    seeds: tuple[int, ...] = (42,)
    training: TrainingSettings = field(default_factory=TrainingSettings)
    evaluation: EvaluationSettings = field(default_factory=EvaluationSettings)
    measurement: MeasurementSettings = field(default_factory=MeasurementSettings)
    scoring: ScoringSettings = field(default_factory=ScoringSettings)
    model_options: ModelOptions = field(default_factory=ModelOptions)
    method_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    backend: str = "local"
    resources: ResourceSettings = field(default_factory=ResourceSettings)


@dataclass(frozen=True)
class RunSpec:
    """One cell of the grid, fully resolved: everything that can change its result."""

    model: str
    method: str
    dataset: str
    seed: int
    method_params: dict[str, Any]
    training: TrainingSettings
    evaluation: EvaluationSettings
    measurement: MeasurementSettings
    model_options: ModelOptions

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def run_id(self) -> str:
        """Readable prefix + hash of the resolved config: stable across machines and sessions."""
        blob = json.dumps(self.to_dict(), sort_keys=True, default=str)
        digest = hashlib.sha256(blob.encode()).hexdigest()[:10]
        model = self.model.replace("/", "_").replace(":", "_")
        return f"{model}__{self.dataset}__{self.method}__s{self.seed}__{digest}"
