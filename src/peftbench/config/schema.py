"""The frozen shape of a suite: every setting with its type, default and allowed values, in one
place.

A suite file is validated against these dataclasses by `config.validate.build`: unknown keys fail
with a "did you mean", wrong types name the key and the value. Closed choices are `Literal`s and
numbers carry their allowed `Range` (checked in `__post_init__` by `config.checks`, so settings
made in code are checked too). Everything that changes a run's result is in `RunSpec`, whose hash
is the run_id.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any, ClassVar, Literal

from peftbench.config.checks import Checked, Range, check_fields, check_range
from peftbench.config.paths import check_plain_name
from peftbench.errors import UserError

# Upper sanity bounds: far above any sensible run, low enough that a typo (an extra few zeros)
# fails up front instead of hanging for days.
MAX_STEPS = 10_000_000
MAX_BATCH = 4096
MAX_TOKENS = 1_048_576
MAX_NEW_TOKENS = 8192
SEED_LIMIT = 2**32  # numpy's and torch's seeds must fit in 32 bits

# Closed choices. Optimizers and schedulers are the HF Trainer's names that need no extra
# package and no extra arguments (tests check each against transformers).
Optimizer = Literal["adamw_torch", "adamw_torch_fused", "adafactor", "sgd", "adagrad", "rmsprop"]
Scheduler = Literal[
    "linear",
    "cosine",
    "cosine_with_restarts",
    "polynomial",
    "constant",
    "constant_with_warmup",
    "inverse_sqrt",
]
Precision = Literal["auto", "fp32", "bf16"]  # auto: bf16 on a CUDA GPU that supports it, else fp32
Dtype = Literal["auto", "float32", "bfloat16", "float16"]
BackendName = Literal["local", "inline", "ray"]
# official: each dataset's own metric; paper: PEFT-Bench's choice (datasets/paper_metrics.py)
TaskMetric = Literal["official", "paper"]
# experiment trackers each run is also logged to (trackers/, one module each; docs/trackers.md)
TrackerName = Literal["mlflow", "wandb", "tensorboard"]

Count = Annotated[int, Range(1, MAX_STEPS)]
Cap = Annotated[int | None, Range(1, None, why="or null for no cap")]
Batch = Annotated[int, Range(1, MAX_BATCH)]
Seed = Annotated[int, Range(0, SEED_LIMIT - 1)]
# PSCP constants: a weight or exponent of 100 already drives every score to 0 (exp(-100),
# 2^-100), so larger ones are typos; a scale below 1e-6 (a subnormal such as 1e-320) divides a
# cost into infinity. Bounded, so a typo fails here with the range instead of zeroing the board.
Weight = Annotated[float, Range(0, 100, why="100 already zeroes every score")]
Scale = Annotated[float, Range(1e-6, 1e15, why="a scale the cost is divided by")]


@dataclass(frozen=True)
class TrainingSettings(Checked):
    """Shared by every method in the grid (per-method learning rates live in method presets)."""

    KEY: ClassVar[str] = "training"

    # > 0 overrides epochs; -1: train `epochs` epochs
    max_steps: Annotated[int, Range(1, MAX_STEPS, also=(-1,), why="-1: train by epochs")] = -1
    epochs: Annotated[float, Range(0, 10_000, above=True)] = 1.0
    batch_size: Batch = 4
    grad_accum: Annotated[int, Range(1, MAX_BATCH)] = 1
    # prompt + answer tokens; longer prompts are cut from the left
    max_length: Annotated[int, Range(2, MAX_TOKENS)] = 256
    lr_scheduler: Scheduler = "cosine"
    warmup_ratio: Annotated[float, Range(0, 1)] = 0.1
    weight_decay: Annotated[float, Range(0, 1)] = 1e-5
    optimizer: Optimizer = "adamw_torch"
    precision: Precision = "auto"
    max_train_examples: Cap = None
    logging_steps: Count = 1
    # The original's protocol (PEFT-Bench): hold out this share of the train split (never eval)
    # and measure its loss every 5 % of the steps; select_best restores the best checkpoint.
    val_fraction: Annotated[float, Range(0, 1, why="0: hold nothing out")] = 0.0
    select_best: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.val_fraction >= 1:
            raise UserError(
                f"'training.val_fraction' is {self.val_fraction}, which leaves nothing to train on",
                "e.g. training.val_fraction=0.1 (the paper's 10 %), or 0 to hold nothing out",
            )
        if self.select_best is True and not self.val_fraction:
            raise UserError(
                "'training.select_best' is true, but 'training.val_fraction' is 0: there is no "
                "held-out loss to select a checkpoint by",
                "also set training.val_fraction, e.g. 0.1",
            )


@dataclass(frozen=True)
class EvaluationSettings(Checked):
    KEY: ClassVar[str] = "evaluation"

    batch_size: Batch = 16
    max_eval_examples: Cap = None
    # None: the dataset's own
    max_new_tokens: Annotated[int | None, Range(1, MAX_NEW_TOKENS, why="or null")] = None
    # Learning curve: every `curve_every` steps (0: off) score `curve_examples` held-out items of
    # the train split (never eval) and measure their loss.
    curve_every: Annotated[int, Range(0, MAX_STEPS, why="0: no learning curve")] = 0
    curve_examples: Annotated[int, Range(1, 100_000)] = 32


@dataclass(frozen=True)
class LatencySettings(Checked):
    """Fixed synthetic prompt of `prompt_tokens`, greedy decode of `new_tokens`, batch 1.

    Base and adapted forms are timed paired, in lockstep (one decode step of each in turn;
    docs/measurements.md): `warmup` untimed lockstep generations, then blocks of two (mirrored
    orders) until every slowdown's 95 % half-width is at most `max_halfwidth_pp` points, or
    `max_seconds` of timing, or `max_pairs` blocks (at least `min_pairs`). `merged`: also time
    the merged form of methods that can merge. `reuse`: time each adapter structure in two
    independent runs per results folder, then copy them (the cost of a forward pass does not
    depend on the dataset or the trained values; `efficiency.latency_cache`); false times every
    cell. `cpu_threads`: torch threads
    while timing on a CPU (0: leave torch's count), recorded as `latency_threads`.
    """

    KEY: ClassVar[str] = "measurement.latency"

    prompt_tokens: Annotated[int, Range(1, MAX_TOKENS)] = 64
    # 2 or more: the first token is the prompt's forward pass, the rest the decode steps
    new_tokens: Annotated[int, Range(2, MAX_NEW_TOKENS)] = 16
    warmup: Annotated[int, Range(0, 1000)] = 2
    # at least 6 for a 95 % interval (order statistics); taken even past max_seconds
    min_pairs: Annotated[int, Range(1, 100_000)] = 8
    max_pairs: Annotated[int, Range(1, 100_000)] = 400
    max_seconds: Annotated[float, Range(0, 86_400, above=True)] = 30.0
    max_halfwidth_pp: Annotated[float, Range(0, 1000, above=True)] = 3.0
    merged: bool = True
    reuse: bool = True
    # threads for timing on a CPU (0: torch's own count). One by default: batch-1 decoding of a
    # small model gains nothing from a second thread on a 2-core machine (100 vs 103 ms a step,
    # measured), and a thread that shares its core with another process stalls every parallel
    # region: under a CPU burner 2 threads took 27-47 s for 6 pairs, decode intervals +-13-15
    # points; 1 thread took 11-19 s, frozen and merged at 0 (docs/measurements.md)
    cpu_threads: Annotated[int, Range(0, 4096)] = 1

    def __post_init__(self) -> None:
        check_fields(self)
        if self.max_pairs < self.min_pairs:
            raise UserError(
                f"'measurement.latency.max_pairs' ({self.max_pairs}) is below min_pairs "
                f"({self.min_pairs})",
                "set measurement.latency.max_pairs to at least min_pairs",
            )


@dataclass(frozen=True)
class MeasurementSettings(Checked):
    KEY: ClassVar[str] = "measurement"

    latency: LatencySettings = field(default_factory=LatencySettings)
    # forward FLOPs counted for batch 1 x this many tokens
    flops_tokens: Annotated[int, Range(1, MAX_TOKENS)] = 512
    flops: bool = True


@dataclass(frozen=True)
class StabilitySettings(Checked):
    """What fine-tuning costs the model's general abilities (docs/measurements.md, Stability).

    `text_tokens`: tokens of the fixed general-text sample scored for drift (0: no drift).
    `tasks`: general tasks for retention; None: the suite's other datasets (resolved per run);
    an empty list: none. `max_examples`: items per general task, the first of its eval split
    (0: no retention).
    """

    KEY: ClassVar[str] = "stability"

    text_tokens: Annotated[int, Range(0, MAX_TOKENS)] = 2048
    tasks: tuple[str, ...] | None = None
    max_examples: Annotated[int, Range(0, 100_000)] = 100

    def __post_init__(self) -> None:
        check_fields(self)
        twice = sorted({t for t in self.tasks or () if (self.tasks or ()).count(t) > 1})
        if twice:  # the same task twice would count twice in the retention average
            raise UserError(
                f"'stability.tasks' lists {', '.join(twice)} more than once",
                "remove the repeated entries from 'stability.tasks'",
            )

    def for_dataset(self, dataset: str, suite_datasets: tuple[str, ...]) -> StabilitySettings:
        """The settings of one run: `tasks` resolved, never the task being trained."""
        names = suite_datasets if self.tasks is None else self.tasks
        tasks = tuple(d for d in names if d != dataset) if self.max_examples > 0 else ()
        return StabilitySettings(self.text_tokens, tasks, self.max_examples)


@dataclass(frozen=True)
class PscpSeedSettings(Checked):
    """Seed form: S * exp(-a P/Pmax - b L/Lmax - g M/Mmax - r R/Rmax). Weights are non-negative.

    R: forgetting, points lost on general tasks (docs/measurements.md); r = 0 by default so
    published PSCP values stay comparable.
    """

    KEY: ClassVar[str] = "scoring.pscp"

    a: Weight = 1.0
    b: Weight = 1.0
    g: Weight = 1.0
    r: Weight = 0.0


@dataclass(frozen=True)
class PscpPaperSettings(Checked):
    """Paper form: S * (1+P/cp)^-bp * (1+F/cf)^-bf * (1+M/cm)^-bm * (1+R/cr)^-br (F in TFLOPs,
    M in GB, R forgetting in points; br = 0 by default, so the paper's values are unchanged).
    The scales c* divide, so they are positive; the exponents b* are non-negative."""

    KEY: ClassVar[str] = "scoring.pscp_paper"

    cp: Scale = 5e8
    cf: Scale = 10.0
    cm: Scale = 94.0
    bp: Weight = 2.0
    bf: Weight = 2.0
    bm: Weight = 2.0
    cr: Scale = 10.0
    br: Weight = 0.0


@dataclass(frozen=True)
class ScoringSettings(Checked):
    KEY: ClassVar[str] = "scoring"

    pscp: PscpSeedSettings = field(default_factory=PscpSeedSettings)
    pscp_paper: PscpPaperSettings = field(default_factory=PscpPaperSettings)
    # which recorded score is each run's task score in leaderboards (both are always recorded)
    task_metric: TaskMetric = "official"


@dataclass(frozen=True)
class ModelOptions(Checked):
    KEY: ClassVar[str] = "model_options"

    dtype: Dtype = "float32"
    trust_remote_code: bool = False
    revision: str | None = None
    init_seed: Seed = 0  # only for models built in code


@dataclass(frozen=True)
class SelectionSettings(Checked):
    """Equal-budget learning-rate selection inside `run` (docs/tuning.md; `selection.py`).

    Every method that trains gets the same `trials` learning rates, a log grid of `span`
    decades around its preset rate (`selection.rate_grid`), each trained through the one cell
    path at `seed` and scored on `dev_examples` items held out of the *train* split (never
    eval); the cell then trains at the rate with the best dev score. `trials: 0` turns it off
    (every method at its preset rate). `seed`: the seed the trials train at; null: the suite's
    first seed, so the other seeds reuse the first seed's trials.
    """

    KEY: ClassVar[str] = "selection"

    trials: Annotated[int, Range(0, 64, why="0: off; else 2 or more rates per method")] = 0
    span: Annotated[float, Range(0, 6, above=True, why="decades of learning rate")] = 1.0
    dev_examples: Annotated[int, Range(1, 100_000)] = 64
    seed: Annotated[int | None, Range(0, SEED_LIMIT - 1, why="or null: the first seed")] = None

    def __post_init__(self) -> None:
        check_fields(self)
        if self.trials == 1:
            raise UserError(
                "'selection.trials' is 1: one trial is the preset rate alone, nothing is selected",
                "set selection.trials to 0 (off) or to 2 or more, e.g. selection.trials=4",
            )


RESERVED_RESOURCES = ("CPU", "GPU", "memory", "object_store_memory")


@dataclass(frozen=True)
class ResourceSettings(Checked):
    """What each run asks the execution backend for (the `ray` backend places runs by it).

    Not part of a run's identity (not in `RunSpec`): moving a grid to a bigger cluster keeps its
    run_ids, so completed runs are still skipped. The `local` backend runs one run at a time on
    this machine and ignores it.
    """

    KEY: ClassVar[str] = "resources"

    num_cpus: Annotated[float, Range(0, None, why="a resource request cannot be negative")] = 1.0
    # None: 1 per run when the cluster has GPUs, else 0
    num_gpus: Annotated[float | None, Range(0, None, why="cannot be negative; null: auto")] = None
    # memory reserved per run (Ray's logical `memory` resource)
    memory_gb: Annotated[float | None, Range(0, None, why="cannot be negative; null: none")] = None
    custom: dict[str, float] = field(default_factory=dict)  # e.g. {"a100": 1}
    # re-runs after the worker died (crash, OOM kill, lost node)
    max_retries: Annotated[int, Range(0, 100, why="a resource request cannot be negative")] = 2

    def __post_init__(self) -> None:
        check_fields(self)
        for name, amount in self.custom.items():
            if name in RESERVED_RESOURCES:
                raise UserError(
                    f"'resources.custom.{name}' names a built-in resource",
                    "use resources.num_cpus / num_gpus / memory_gb for CPUs, GPUs and memory",
                )
            if (
                isinstance(amount, bool)
                or not isinstance(amount, (int, float))
                or not math.isfinite(amount)
                or amount <= 0
            ):
                raise UserError(
                    f"'resources.custom.{name}' must be a positive number, got {amount!r}",
                    f"e.g. resources.custom.{name}: 1",
                )


@dataclass(frozen=True)
class Suite(Checked):
    name: str
    models: tuple[str, ...]
    methods: tuple[str, ...]
    datasets: tuple[str, ...]
    description: str = ""
    seeds: tuple[Seed, ...] = (42,)
    training: TrainingSettings = field(default_factory=TrainingSettings)
    evaluation: EvaluationSettings = field(default_factory=EvaluationSettings)
    measurement: MeasurementSettings = field(default_factory=MeasurementSettings)
    stability: StabilitySettings = field(default_factory=StabilitySettings)
    scoring: ScoringSettings = field(default_factory=ScoringSettings)
    model_options: ModelOptions = field(default_factory=ModelOptions)
    # method -> its settings from the suite file: peft keyword arguments and per-method training
    # overrides (`val_fraction`), each checked against its preset's value by
    # `suite.checked_method_params`, then passed on as keyword arguments (RunSpec)
    method_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    backend: BackendName = "local"
    # Experiment trackers each committed run is also logged to. Not part of a run's identity
    # (not in `RunSpec`): where a run is reported never changes its result or its run_id.
    report_to: tuple[TrackerName, ...] = ()
    resources: ResourceSettings = field(default_factory=ResourceSettings)
    selection: SelectionSettings = field(default_factory=SelectionSettings)
    # Datasets declared in YAML (name -> inline definition or file path; `datasets/declared/`).
    # `suite.load_suite` replaces each entry by its resolved, fingerprinted form.
    dataset_defs: dict[str, dict[str, object]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_fields(self)
        check_plain_name("name", self.name)
        for kind in ("models", "methods", "datasets", "seeds"):
            values = getattr(self, kind)
            if not values:
                raise UserError(
                    f"the suite lists no {kind}", f"add at least one entry under '{kind}'"
                )
            twice = sorted({str(v) for v in values if values.count(v) > 1})
            if twice:
                raise UserError(
                    f"'{kind}' lists {', '.join(twice)} more than once (the same cells would run "
                    "twice)",
                    f"remove the repeated entries from '{kind}'",
                )
        if len(set(self.report_to)) != len(self.report_to):
            raise UserError(
                f"'report_to' lists a tracker more than once: {list(self.report_to)}",
                "name each tracker once, e.g. report_to=[mlflow, tensorboard]",
            )
        for i, seed in enumerate(self.seeds):
            check_range(f"seeds[{i}]", seed, Range(0, SEED_LIMIT - 1, why="seeds fit 32 bits"))


@dataclass(frozen=True)
class RunSpec:
    """One cell of the grid, fully resolved: everything that can change its result."""

    model: str
    method: str
    dataset: str
    seed: int
    # The method's build parameters (its preset with the suite's method_params): keyword
    # arguments of every kind for peft's config classes, whose signatures mypy does not read
    # (pyproject skips peft); readers take the value they know by name
    # (`float(method_params["learning_rate"])`).
    method_params: dict[str, Any]
    training: TrainingSettings
    evaluation: EvaluationSettings
    measurement: MeasurementSettings
    model_options: ModelOptions
    stability: StabilitySettings = field(default_factory=StabilitySettings)
    # The resolved declarations of the datasets this run uses (its own and its stability tasks)
    # that are declared in YAML, by name; empty when all are registered ones.
    dataset_defs: dict[str, dict[str, object]] = field(default_factory=dict)
    # learning-rate selection (seed resolved); None: the preset rate (no search, or a method
    # that does not train)
    selection: SelectionSettings | None = None

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        if not self.dataset_defs:  # absent rather than empty: registered runs keep their ids
            del out["dataset_defs"]
        if self.selection is None:  # likewise: runs without a search keep their ids
            del out["selection"]
        return out

    @property
    def run_id(self) -> str:
        """Readable prefix + hash of the resolved config: stable across machines and sessions.

        A declared dataset counts by its fingerprint (definition + data file contents), not by
        where its files happen to be on this machine."""
        digest = run_digest(self.to_dict())
        return (
            f"{id_part(self.model)}__{self.dataset}__{id_part(self.method)}__s{self.seed}__{digest}"
        )


def id_part(name: str) -> str:
    """A model or method name as it stands in a run id (a folder name): '/' and ':' as '_'.
    Registered method names have neither; an imported run's may (HF peft's "lora/...")."""
    return name.replace("/", "_").replace(":", "_")


def run_digest(cell: Mapping[str, object]) -> str:
    """The digest ending a run id, of a cell as `RunSpec.to_dict` gives it (and config.json
    holds it, without its `run_id`), so a record's config can be checked against its id."""
    identity = {k: v for k, v in cell.items() if k != "run_id"}
    defs = identity.get("dataset_defs")
    if isinstance(defs, dict) and defs:
        identity["dataset_defs"] = {
            k: v.get("fingerprint") if isinstance(v, dict) else v for k, v in defs.items()
        }
    blob = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:10]
