"""The run record: what one cell wrote, typed and versioned. Every writer and reader goes here.

A run folder `runs/<run_id>/` holds five JSON files, one per part of the record:

    status.json      Status      ok or failed, timings, the error; carries `schema_version`
    config.json      RunConfig   the resolved cell (model, method, dataset, seed + its settings)
    metrics.json     Metrics     the task score, the headline metric and the other metrics
    efficiency.json  Efficiency  parameters, latency, memory, FLOPs, ... (docs/measurements.md)
    provenance.json  Provenance  packages, git commit, hardware, data fingerprints

and, when measured, stability.json (Stability) and selection.json (Selection: the learning-rate
search behind the run, docs/tuning.md).

On disk each part is a flat JSON object, as peftbench always wrote it, so files stay readable by
anything. Reading is tolerant and never raises for a bad file: `read_run` returns a `RunRecord`
whose `damage` says which file is wrong and why (missing, empty, truncated, not an object, a
required figure absent or not a number), and readers leave such a record out of every aggregate.

Versions: 1 is what peftbench wrote before this module existed (no `schema_version`); 2 adds
`schema_version` to status.json. Both read the same: no key has been renamed or removed, so
there is no translation step (tests/results/test_record.py reads every checked-in record of
both versions back to the same JSON). To add a figure, add an optional field with a default
(old records read it as the default) and write it in the pipeline. Bump SCHEMA_VERSION only
when a key is renamed or removed, and then translate the old key before `from_json`, with a
test that reads a record of the old version.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal, TypedDict, TypeVar

from peftbench.efficiency.figures import Measured
from peftbench.efficiency.plausible import MIN_SAMPLE_MS
from peftbench.json_types import Flat, JSONObject, JSONValue
from peftbench.results.checks import (
    Damage,
    RecordDamage,
    check_drift,
    check_efficiency,
    check_range,
    check_retention,
    count,
    finite_tree,
    is_number,
    number,
    samples,
    score,
)
from peftbench.results.safe_read import JSON_CAP, Refused, is_plain_folder, read_capped

if TYPE_CHECKING:
    from peftbench.config.schema import RunSpec

SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)

RunState = Literal["ok", "failed", "damaged"]


# ---- checked reads of one JSON object (bounds: results/checks.py) ----------------------------


def _number(
    data: Mapping[str, JSONValue],
    key: str,
    file: str,
    required: bool = True,
    low: float | None = None,
    above: bool = False,
) -> float | None:
    return number(data, key, file, required, low=low, above=above)


def _int(data: Mapping[str, JSONValue], key: str, file: str, required: bool = True) -> int | None:
    return count(data, key, file, required)


def _text(data: Mapping[str, JSONValue], key: str, file: str, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise RecordDamage(file, f"'{key}' should be a non-empty string, found {value!r}"[:200])
    return value


def _rest(data: Mapping[str, JSONValue], known: tuple[str, ...]) -> JSONObject:
    return {k: v for k, v in data.items() if k not in known}


# ---- the parts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """status.json, written last (its presence marks a committed record)."""

    FILE: ClassVar[str] = "status.json"
    KNOWN: ClassVar[tuple[str, ...]] = (
        "status",
        "run_id",
        "schema_version",
        "started",
        "wall_seconds",
        "phase_seconds",
        "score",
        "error",
        "traceback",
        "files",
    )

    status: Literal["ok", "failed"]
    run_id: str
    started: float | None = None
    wall_seconds: float = 0.0
    phase_seconds: dict[str, float] = field(default_factory=dict)
    score: float | None = None
    error: str | None = None
    traceback: str | None = None
    schema_version: int = SCHEMA_VERSION
    # what the run wrote beside its JSON parts (adapter files, predictions), by path in the run
    # folder: {"sha256": ..., "bytes": ...}, taken at commit; readers check the files still match
    files: dict[str, FileHash] = field(default_factory=dict)
    extra: dict[str, JSONValue] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @classmethod
    def failed(cls, run_id: str, error: str, traceback: str | None = None) -> Status:
        return cls(status="failed", run_id=run_id, error=error, traceback=traceback)

    def noted(self, **extra: JSONValue) -> Status:
        """This status with more keys of its own (a backend's `backend`, `node`, ...)."""
        return replace(self, extra={**self.extra, **extra})

    def finished(self, started: float, wall_seconds: float, phases: dict[str, float]) -> Status:
        """This status with the run's timings."""
        return replace(self, started=started, wall_seconds=wall_seconds, phase_seconds=dict(phases))

    def to_json(self) -> JSONObject:
        out: JSONObject = {**self.extra, "status": self.status, "run_id": self.run_id}
        out["schema_version"] = self.schema_version
        if self.status == "ok":
            out["score"] = self.score
        else:
            out["error"] = self.error
            if self.traceback is not None:
                out["traceback"] = self.traceback
        if self.started is not None:
            out["started"] = self.started
        out["wall_seconds"] = self.wall_seconds
        if self.phase_seconds:
            out["phase_seconds"] = dict(self.phase_seconds)
        if self.files:
            out["files"] = {k: v.to_json() for k, v in self.files.items()}
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> Status:
        f = cls.FILE
        state = data.get("status")
        if state != "ok" and state != "failed":
            raise RecordDamage(f, f"'status' should be 'ok' or 'failed', found {state!r}")
        version = data.get("schema_version", 1)
        if not is_number(version) or version not in READABLE_VERSIONS:
            raise RecordDamage(
                f, f"schema_version {version!r} is not one this peftbench reads {READABLE_VERSIONS}"
            )
        phases = data.get("phase_seconds") or {}
        if not isinstance(phases, dict):
            raise RecordDamage(f, f"'phase_seconds' should map phases to seconds, found {phases!r}")
        error = data.get("error")
        return cls(
            status="ok" if state == "ok" else "failed",
            run_id=str(_text(data, "run_id", f, required=False) or ""),
            started=_number(data, "started", f, required=False),
            wall_seconds=_number(data, "wall_seconds", f, required=False, low=0) or 0.0,
            phase_seconds={str(k): float(_number(phases, k, f, low=0) or 0.0) for k in phases},
            score=_number(data, "score", f, required=False),
            error=None if error is None else str(error),
            traceback=None if data.get("traceback") is None else str(data.get("traceback")),
            schema_version=int(version),
            files=_file_hashes(data.get("files"), f),
            extra=_rest(data, cls.KNOWN),
        )


@dataclass(frozen=True)
class FileHash:
    """A file's content hash and size, as committed."""

    sha256: str
    bytes: int

    def to_json(self) -> JSONObject:
        return {"sha256": self.sha256, "bytes": self.bytes}


def _file_hashes(value: JSONValue, file: str) -> dict[str, FileHash]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RecordDamage(file, f"'files' should map paths to hashes, found {value!r}"[:200])
    out = {}
    for path, entry in value.items():
        parts = Path(path).parts
        if not parts or Path(path).is_absolute() or ".." in parts:
            raise RecordDamage(file, f"'files' names {path!r}, a path outside the run folder")
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if not isinstance(entry, dict) or not isinstance(digest, str) or len(digest) != 64:
            raise RecordDamage(file, f"'files.{path}' should hold a sha256, found {entry!r}"[:200])
        out[path] = FileHash(digest, int(count(entry, "bytes", file) or 0))
    return out


@dataclass(frozen=True)
class RunConfig:
    """config.json: the cell as it ran. `settings` holds the rest of the resolved RunSpec
    (method_params, training, evaluation, measurement, model_options) as plain data: a reader
    never re-validates it against today's schema, so old records stay readable."""

    FILE: ClassVar[str] = "config.json"
    KNOWN: ClassVar[tuple[str, ...]] = ("run_id", "model", "method", "dataset", "seed")

    run_id: str
    model: str
    method: str
    dataset: str
    seed: int
    settings: JSONObject = field(default_factory=dict)

    @classmethod
    def of(cls, spec: RunSpec) -> RunConfig:
        """From a `config.schema.RunSpec`, its settings as config.json holds them (JSON: tuples
        become lists), so a record in memory equals the same record read back."""
        data: JSONObject = json.loads(json.dumps(spec.to_dict(), default=str))
        return cls(
            run_id=spec.run_id,
            model=spec.model,
            method=spec.method,
            dataset=spec.dataset,
            seed=spec.seed,
            settings=_rest(data, cls.KNOWN),
        )

    @property
    def method_params(self) -> JSONObject:
        params = self.settings.get("method_params")
        return params if isinstance(params, dict) else {}

    def to_json(self) -> JSONObject:
        return {
            "run_id": self.run_id,
            "model": self.model,
            "method": self.method,
            "dataset": self.dataset,
            "seed": self.seed,
            **self.settings,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> RunConfig:
        f = cls.FILE
        return cls(
            run_id=str(_text(data, "run_id", f, required=False) or ""),
            model=str(_text(data, "model", f)),
            method=str(_text(data, "method", f)),
            dataset=str(_text(data, "dataset", f)),
            seed=int(_int(data, "seed", f) or 0),
            settings=_rest(data, cls.KNOWN),
        )


@dataclass(frozen=True)
class Metrics:
    """metrics.json: `score` is the headline metric on 0-100 (what the leaderboard ranks);
    `values` are every metric the dataset computes, by name (the headline among them)."""

    FILE: ClassVar[str] = "metrics.json"
    KNOWN: ClassVar[tuple[str, ...]] = (
        "score",
        "metric",
        "invalid_rate",
        "eval_examples",
        "eval_seconds",
        "generated_tokens",
        "learning_curve",
    )

    score: float
    metric: str
    values: JSONObject = field(default_factory=dict)
    invalid_rate: float = 0.0
    eval_examples: int | None = None
    eval_seconds: float | None = None
    generated_tokens: int | None = None
    # dev score and loss during training (`evaluation.curve_every`; training.holdout.curve_summary:
    # points (with select_score/judge_score: the halves), best_step, best_dev_score,
    # final_dev_score, judge_drop, overshoot_p, overshoot, dev_examples, every)
    learning_curve: JSONObject | None = None

    def to_json(self) -> JSONObject:
        out: JSONObject = {
            "score": self.score,
            "metric": self.metric,
            **self.values,
            "invalid_rate": self.invalid_rate,
            "eval_examples": self.eval_examples,
            "eval_seconds": self.eval_seconds,
            "generated_tokens": self.generated_tokens,
        }
        if self.learning_curve is not None:
            out["learning_curve"] = self.learning_curve
        return out

    def number(self, key: str) -> float | None:
        """A metric's value by name, as written (None when absent or not a number)."""
        value = self.values.get(key)
        return value if is_number(value) else None

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> Metrics:
        f = cls.FILE
        metric = str(_text(data, "metric", f))
        return cls(
            score=score(data.get("score"), "score", metric, f),
            metric=metric,
            values=_metric_values(_rest(data, cls.KNOWN), f),
            invalid_rate=number(data, "invalid_rate", f, False, low=0, high=1) or 0.0,
            eval_examples=_int(data, "eval_examples", f, required=False),
            eval_seconds=_number(data, "eval_seconds", f, required=False, low=0),
            generated_tokens=_int(data, "generated_tokens", f, required=False),
            learning_curve=_curve(data.get("learning_curve"), f),
        )


def _metric_values(values: JSONObject, file: str) -> JSONObject:
    """The other metrics' values, each within its metric's range (a value under a name that is
    no metric is kept as written: finite, like every number of a record)."""
    from peftbench.metrics import METRICS

    for key, value in values.items():
        if key in METRICS:
            score(value, key, key, file)
    paper = values.get("paper_metric")
    if "paper_score" in values:
        score(values["paper_score"], "paper_score", str(paper), file)
    return values


def _curve(value: JSONValue, file: str) -> JSONObject | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("points"), list):
        raise RecordDamage(file, f"'learning_curve' should hold a list of points, found {value!r}")
    return value


@dataclass(frozen=True)
class Efficiency:
    """efficiency.json. The fields here are the headline figures (the leaderboard's P, L, M, F
    and the efficiency table), checked against their bounds; `measured` holds every other figure
    the measurement wrote, typed by group (efficiency/figures.py: latency samples and spreads,
    merged form, prefill, memory detail, training, `figures`, `units`); a key no group knows is
    kept as written in `measured.extra`.

    `not_measured` names required figures the record's source never measured (an imported
    record: HF peft's results have no latency); those read as None -- missing, never zero --
    and readers show them as missing. Only an imported record (`RunRecord.source`) lists any."""

    FILE: ClassVar[str] = "efficiency.json"
    REQUIRED: ClassVar[tuple[str, ...]] = (
        "trainable_params",
        "trainable_pct",
        "latency_ms_per_token",
        "slowdown_pct",
        "peak_train_mem_mb",
    )
    OPTIONAL: ClassVar[tuple[str, ...]] = (
        "total_params",
        "base_params",
        "base_latency_ms_per_token",
        "extra_tflops",
        "flops",
        "flops_tokens",
        "adapter_bytes",
        "train_seconds",
        "tokens_per_second",
        "prefill_ms",
    )

    trainable_params: int
    trainable_pct: float
    latency_ms_per_token: float | None  # None only when listed in `not_measured`
    slowdown_pct: float | None  # None only when listed in `not_measured`
    peak_train_mem_mb: float
    device: str | None = None
    device_name: str | None = None
    memory_kind: str | None = None
    trained: bool = True
    total_params: int | None = None
    base_params: int | None = None
    base_latency_ms_per_token: float | None = None
    extra_tflops: float | None = None
    flops: float | None = None
    flops_tokens: int | None = None
    adapter_bytes: float | None = None  # an int when written as a whole number (`_whole`)
    train_seconds: float | None = None
    tokens_per_second: float | None = None
    prefill_ms: float | None = None
    not_measured: tuple[str, ...] = ()
    measured: Measured = field(default_factory=Measured)

    @cached_property
    def _measured_keys(self) -> JSONObject:
        return self.measured.to_json()

    def get(self, key: str) -> JSONValue:
        """A figure by its record key, headline or measured (None when this record lacks it)."""
        if key in self.REQUIRED or key in self.OPTIONAL or key in _EFF_TEXT:
            return getattr(self, key)
        return self._measured_keys.get(key)

    def number(self, key: str) -> float | None:
        """A numeric figure by its record key, as written (None when this record lacks it or
        it is not a number)."""
        value = self.get(key)
        return value if is_number(value) else None

    def samples(self, key: str) -> list[float] | None:
        """A list of numbers by its record key (`*_samples_ms`: the reader checked each sample);
        None when this record lacks it or it is not such a list."""
        value = self.get(key)
        if not isinstance(value, list):
            return None
        numbers = [v for v in value if is_number(v)]
        return numbers if len(numbers) == len(value) else None

    def to_json(self) -> JSONObject:
        out: JSONObject = dict(self.measured.to_json())
        for key in (*self.REQUIRED, *self.OPTIONAL, *_EFF_TEXT):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.not_measured:
            out["not_measured"] = list(self.not_measured)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> Efficiency:
        f = cls.FILE
        not_measured = _not_measured(data, f)
        figures: dict[str, float | None] = {}
        for key in (*cls.REQUIRED, *cls.OPTIONAL):
            low, above = _EFF_BOUNDS.get(key, (None, False))
            required = key in cls.REQUIRED and key not in not_measured
            figures[key] = _number(data, key, f, required, low=low, above=above)
        counts = {key: _int(data, key, f, required=key in cls.REQUIRED) for key in _EFF_INTS}
        figures.update(counts)
        text = {
            key: _text(data, key, f, required=False)
            for key in ("device", "device_name", "memory_kind")
        }
        trained = data.get("trained", True)
        if not isinstance(trained, bool):
            raise RecordDamage(f, f"'trained' should be true or false, found {trained!r}")
        for key in data:
            if key.endswith("_samples_ms"):  # readers divide by them (paired slowdowns)
                samples(data, key, f)
            elif key in _EFF_COUNTS:
                _number(data, key, f, required=False, low=0)
        check_efficiency(figures, data, f)
        rest = _rest(data, (*cls.REQUIRED, *cls.OPTIONAL, *_EFF_TEXT, "not_measured"))
        for key, (value, tp) in Measured.mistyped(rest).items():
            raise RecordDamage(f, f"'{key}' should be {tp}, found {value!r}"[:200])
        return cls(
            trainable_params=_present(counts["trainable_params"]),
            trainable_pct=_present(figures["trainable_pct"]),
            latency_ms_per_token=figures["latency_ms_per_token"],
            slowdown_pct=figures["slowdown_pct"],
            peak_train_mem_mb=_present(figures["peak_train_mem_mb"]),
            device=text["device"],
            device_name=text["device_name"],
            memory_kind=text["memory_kind"],
            trained=trained,
            total_params=counts["total_params"],
            base_params=counts["base_params"],
            base_latency_ms_per_token=figures["base_latency_ms_per_token"],
            extra_tflops=figures["extra_tflops"],
            flops=figures["flops"],
            flops_tokens=counts["flops_tokens"],
            adapter_bytes=_whole(figures["adapter_bytes"]),
            train_seconds=figures["train_seconds"],
            tokens_per_second=figures["tokens_per_second"],
            prefill_ms=figures["prefill_ms"],
            not_measured=not_measured,
            measured=Measured.read(rest),
        )


_T = TypeVar("_T")


def _present(value: _T | None) -> _T:
    """A required figure: its reader raised RecordDamage when it was absent."""
    assert value is not None
    return value


def _whole(value: float | None) -> float | None:
    """A size written as a whole number reads as an int (any other number as written)."""
    return int(value) if value is not None and float(value).is_integer() else value


# Lower bounds of the typed figures (results/checks.py says why): counts, sizes and times are
# non-negative, a latency is a plausible positive time, and a slowdown cannot make a method
# take no time at all (-100 %). The extra TFLOPs of a method are a difference: any finite value.
_EFF_BOUNDS: dict[str, tuple[float | None, bool]] = {
    "trainable_pct": (0.0, False),  # of the base model's parameters: can exceed 100
    "latency_ms_per_token": (MIN_SAMPLE_MS, False),
    "base_latency_ms_per_token": (MIN_SAMPLE_MS, False),
    "prefill_ms": (MIN_SAMPLE_MS, False),
    "slowdown_pct": (-100.0, True),
    "peak_train_mem_mb": (0.0, False),
    "flops": (0.0, False),
    "adapter_bytes": (0.0, False),
    "train_seconds": (0.0, False),
    "tokens_per_second": (0.0, False),
}
# measured (untyped) figures that are counts or sizes
_EFF_COUNTS = (
    "adapter_params",
    "adapter_weights_bytes",
    "inference_params",
    "train_only_params",
    "base_flops",
    "merged_flops",
    "peak_rss_mb",
    "memory_baseline_mb",
    "steps",
    "tokens",
    "latency_pairs",
)
_EFF_TEXT = ("device", "device_name", "memory_kind", "trained")
# typed figures that are whole numbers
_EFF_INTS = ("trainable_params", "total_params", "base_params", "flops_tokens")
# required figures an imported record may lack (its source never measured them)
MAY_BE_UNMEASURED = ("latency_ms_per_token", "slowdown_pct")


def _not_measured(data: Mapping[str, JSONValue], file: str) -> tuple[str, ...]:
    """The record's `not_measured` list: figures it may lack; each one must then be absent."""
    names = data.get("not_measured") or []
    known = (
        [n for n in names if isinstance(n, str) and n in MAY_BE_UNMEASURED]
        if isinstance(names, list)
        else []
    )
    if not isinstance(names, list) or len(known) != len(names):
        raise RecordDamage(
            file, f"'not_measured' should list some of {MAY_BE_UNMEASURED}, found {names!r}"
        )
    for name in known:
        if data.get(name) is not None:
            raise RecordDamage(file, f"'{name}' is listed as not measured but has a value")
    return tuple(known)


@dataclass(frozen=True)
class Environment(Flat):
    """Where a run ran (`results.provenance.environment`): package versions, git commit, Python,
    OS, CPU/GPU, CUDA, and the code sandbox's isolation layers when a metric used it."""

    packages: dict[str, str | None] | None = None
    git_commit: str | None = None
    python: str | None = None
    os: str | None = None
    cpu: str | None = None
    cpu_count: int | None = None
    torch_threads: int | None = None
    cuda: str | None = None
    gpu_count: int | None = None
    gpu: str | None = None
    sandbox_isolation: dict[str, int] | None = None  # layer combination -> sandbox runs


@dataclass(frozen=True)
class DatasetProvenance(Flat):
    """The data a run trained and was scored on, with fingerprints of the examples."""

    name: str | None = None
    version: str | None = None
    source: str | None = None
    train_examples: int | None = None
    eval_examples: int | None = None
    train_fingerprint: str | None = None
    eval_fingerprint: str | None = None


@dataclass(frozen=True)
class MethodProvenance(Flat):
    """The method as built: who provides it, where its preset comes from, what it noted."""

    name: str | None = None
    provider: str | None = None
    preset_source: str | None = None
    notes: object = None  # what the method's build noted on the model (text or an object)


@dataclass(frozen=True)
class Provenance(Flat):
    """provenance.json: where the run ran and on what. On disk the environment's keys sit at the
    top level beside `model`, `dataset`, `method` and `seed`; keys this version does not know (or
    of another type) are kept in `extra`, so an old file reads back as written."""

    FILE: ClassVar[str] = "provenance.json"
    PREFIXED: ClassVar[dict[str, str]] = {"environment": ""}

    environment: Environment = field(default_factory=Environment)
    model: dict[str, object] | None = None  # the model loader's own (source, revision, ...)
    dataset: DatasetProvenance | None = None
    method: MethodProvenance | None = None
    seed: int | None = None

    @property
    def data(self) -> JSONObject:
        """provenance.json as a flat object (what readers that list every field iterate)."""
        return self.to_json()

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> Provenance:
        return cls.read(data)


@dataclass(frozen=True)
class Stability:
    """stability.json (optional; records before it have none): what fine-tuning cost the
    model's general abilities (docs/measurements.md, Stability). `drift` and `retention` are
    the blocks `stability/measure.py` writes, or None when the suite turned them off."""

    FILE: ClassVar[str] = "stability.json"

    drift: JSONObject | None = None
    retention: JSONObject | None = None

    @property
    def retention_delta(self) -> float | None:
        return None if self.retention is None else _float(self.retention["delta"])

    @property
    def retention_ci95(self) -> tuple[float, float] | None:
        if self.retention is None:
            return None
        ci95 = self.retention["ci95"]
        if not isinstance(ci95, list) or len(ci95) != 2:
            raise TypeError(f"retention 'ci95' should be [low, high], found {ci95!r}")
        return _float(ci95[0]), _float(ci95[1])

    @property
    def ppl_delta_pct(self) -> float | None:
        return None if self.drift is None else _float(self.drift["ppl_delta_pct"])

    @property
    def kl_mean(self) -> float | None:
        return None if self.drift is None else _float(self.drift["kl_mean"])

    def to_json(self) -> JSONObject:
        return {"drift": self.drift, "retention": self.retention}

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> Stability:
        f = cls.FILE
        drift, retention = data.get("drift"), data.get("retention")
        if drift is not None:
            if not isinstance(drift, dict):
                raise RecordDamage(f, f"'drift' should be an object, found {drift!r}"[:200])
            for key in ("ppl_base", "ppl"):
                number(drift, key, f, low=0, above=True)
            number(drift, "ppl_delta_pct", f, low=-100)
            check_drift(drift, f)
        if retention is not None:
            if not isinstance(retention, dict):
                raise RecordDamage(f, f"'retention' should be an object, found {retention!r}"[:200])
            number(retention, "delta", f, low=-100, high=100)
            _interval(retention.get("ci95"), "retention.ci95", f)
            check_retention(retention, f)
        return cls(drift=drift, retention=retention)


@dataclass(frozen=True)
class Trial:
    """One learning rate of a search: its dev score (None: the loss diverged, a non-finite loss
    stopped training) and the seconds its training and dev scoring took."""

    learning_rate: float
    dev_score: float | None
    seconds: float

    def to_json(self) -> JSONObject:
        return {
            "learning_rate": self.learning_rate,
            "dev_score": self.dev_score,
            "seconds": self.seconds,
        }

    @classmethod
    def from_json(cls, data: JSONValue, file: str) -> Trial:
        if not isinstance(data, dict):
            raise RecordDamage(file, f"a trial should be an object, found {data!r}"[:200])
        return cls(
            learning_rate=float(number(data, "learning_rate", file, low=0, above=True) or 0.0),
            dev_score=number(data, "dev_score", file, required=False),
            seconds=float(number(data, "seconds", file, low=0) or 0.0),
        )


@dataclass(frozen=True)
class Selection:
    """selection.json (optional: only runs of a suite with `selection`; records before it have
    none, and read as runs at their preset rate): the learning-rate search behind the run.

    `learning_rate` is the rate the run trained at (config.json's `method_params` keep the
    preset, the grid's centre, which is part of the run's identity); `trials` every rate of the
    grid with its dev score; `search` names the shared search (`<results>/selection/<search>/`);
    `ran_here` how many trials this run trained itself (the others were reused from another
    seed's run or from `peftbench tune`). Adding this part needed no schema bump (a new optional
    part: results/record.py's rule)."""

    FILE: ClassVar[str] = "selection.json"

    learning_rate: float
    preset_learning_rate: float
    trials: tuple[Trial, ...]
    span: float
    dev_examples: int
    seed: int
    search: str
    ran_here: int = 0

    @property
    def seconds(self) -> float:
        """What the whole search cost (its trials' training and dev scoring), wherever it ran."""
        return sum(t.seconds for t in self.trials)

    def to_json(self) -> JSONObject:
        return {
            "learning_rate": self.learning_rate,
            "preset_learning_rate": self.preset_learning_rate,
            "trials": [t.to_json() for t in self.trials],
            "span": self.span,
            "dev_examples": self.dev_examples,
            "seed": self.seed,
            "search": self.search,
            "ran_here": self.ran_here,
            "seconds": self.seconds,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> Selection:
        f = cls.FILE
        trials = data.get("trials")
        if not isinstance(trials, list) or not trials:
            raise RecordDamage(f, f"'trials' should be a non-empty list, found {trials!r}"[:200])
        out = cls(
            learning_rate=float(number(data, "learning_rate", f, low=0, above=True) or 0.0),
            preset_learning_rate=float(
                number(data, "preset_learning_rate", f, low=0, above=True) or 0.0
            ),
            trials=tuple(Trial.from_json(t, f) for t in trials),
            span=float(number(data, "span", f, low=0, above=True) or 0.0),
            dev_examples=int(count(data, "dev_examples", f) or 0),
            seed=int(count(data, "seed", f) or 0),
            search=str(_text(data, "search", f)),
            ran_here=int(count(data, "ran_here", f, required=False) or 0),
        )
        if out.learning_rate not in {t.learning_rate for t in out.trials}:
            raise RecordDamage(f, f"'learning_rate' {out.learning_rate} is none of the trials'")
        return out


def _interval(value: JSONValue, key: str, file: str) -> tuple[float, float]:
    """[low, high]: two numbers, low <= high, on the score scale's differences (-100..100)."""
    bounds = [v for v in value if is_number(v)] if isinstance(value, list) else []
    if not isinstance(value, list) or len(value) != 2 or len(bounds) != 2:
        raise RecordDamage(file, f"'{key}' should be [low, high], found {value!r}"[:200])
    lo, hi = (check_range(float(v), key, file, -100, 100) for v in bounds)
    if lo > hi:
        raise RecordDamage(file, f"'{key}' should be [low, high] with low <= high, found {value}")
    return lo, hi


def _float(value: JSONValue) -> float:
    """A number of a block `from_json` checked (a constructed one may hold anything)."""
    if not is_number(value):
        raise TypeError(f"should be a number, found {value!r}")
    return float(value)


# what RunWriter.record writes
Part = RunConfig | Metrics | Efficiency | Provenance | Stability | Selection
PARTS: tuple[type[Part], ...] = (RunConfig, Metrics, Efficiency, Provenance, Stability, Selection)


# ---- one record --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRecord:
    """One run folder, read. `state` is ok, failed, or damaged (then `damage` says why); the
    parts that could be read are set even on a damaged record (a readable config names the cell)."""

    run_id: str
    folder: Path
    status: Status | None = None
    config: RunConfig | None = None
    metrics: Metrics | None = None
    efficiency: Efficiency | None = None
    provenance: Provenance = field(default_factory=Provenance)
    stability: Stability | None = None  # None: not measured (or a record older than it)
    selection: Selection | None = None  # None: trained at the preset rate (no search)
    damage: Damage | None = None

    @property
    def state(self) -> RunState:
        if self.damage is not None or self.status is None:
            return "damaged"
        return self.status.status

    @property
    def ok(self) -> bool:
        return self.state == "ok"

    @property
    def error(self) -> str | None:
        """Why this run has no result: its error, or the damage."""
        if self.damage is not None:
            return f"damaged record: {self.damage}"
        return self.status.error if self.status else None

    @property
    def cell(self) -> tuple[str | None, str | None, str | None, int | None]:
        c = self.config
        return (c.model, c.method, c.dataset, c.seed) if c else (None, None, None, None)

    @property
    def model(self) -> str:
        return self.config.model if self.config else "?"

    @property
    def method(self) -> str:
        return self.config.method if self.config else "?"

    @property
    def dataset(self) -> str:
        return self.config.dataset if self.config else "?"

    @property
    def seed(self) -> int:
        return self.config.seed if self.config else 0

    @property
    def score(self) -> float:
        """The task score of an ok record (readers only ask ok records)."""
        assert self.metrics is not None, f"{self.run_id} has no metrics ({self.state})"
        return self.metrics.score

    @property
    def source(self) -> str:
        """Who produced the figures: "peftbench", or the format an imported record came from
        (provenance.json `source.format`, written by `peftbench import`; e.g. "hf-peft")."""
        src = self.provenance.data.get("source")
        fmt = src.get("format") if isinstance(src, dict) else None
        return fmt if isinstance(fmt, str) and fmt else "peftbench"

    @property
    def eff(self) -> Efficiency:
        assert self.efficiency is not None, f"{self.run_id} has no efficiency ({self.state})"
        return self.efficiency


def read_object(path: Path, cap: int = JSON_CAP) -> JSONObject:
    """A JSON object from `path`, or RecordDamage naming the file and what is wrong with it
    (missing, a link or special file, over `cap`, not JSON, a non-finite number anywhere)."""
    name = path.name
    try:
        raw = read_capped(path, cap)
    except FileNotFoundError:
        raise RecordDamage(name, "missing") from None
    except Refused as exc:
        raise RecordDamage(name, exc.reason) from None
    except OSError as exc:
        raise RecordDamage(name, f"unreadable ({exc.strerror or exc})") from None
    if not raw.strip():
        raise RecordDamage(name, "empty")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise RecordDamage(name, "not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise RecordDamage(
            name, f"not valid JSON (truncated?): {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise RecordDamage(name, "nested too deeply to be a record") from None
    if not isinstance(data, dict):
        raise RecordDamage(name, f"should hold a JSON object, holds {type(data).__name__}")
    finite_tree(data, name)
    return data


class _Parts(TypedDict, total=False):
    """The parts of a record read so far (`RunRecord`'s fields of the same names)."""

    status: Status
    config: RunConfig
    metrics: Metrics
    efficiency: Efficiency
    provenance: Provenance
    stability: Stability
    selection: Selection


def _parts(folder: Path, parts: _Parts) -> None:
    """Read every part of the record into `parts` (raises RecordDamage at the first bad one)."""
    status = Status.from_json(read_object(folder / Status.FILE))
    parts["status"] = status
    config = parts["config"] = RunConfig.from_json(read_object(folder / RunConfig.FILE))
    if status.ok:  # a failed run may have stopped before its results
        parts["metrics"] = Metrics.from_json(read_object(folder / Metrics.FILE))
        parts["efficiency"] = Efficiency.from_json(read_object(folder / Efficiency.FILE))
        parts["provenance"] = Provenance.from_json(read_object(folder / Provenance.FILE))
        if os.path.lexists(folder / Stability.FILE):
            parts["stability"] = Stability.from_json(read_object(folder / Stability.FILE))
        if os.path.lexists(folder / Selection.FILE):
            parts["selection"] = Selection.from_json(read_object(folder / Selection.FILE))
    elif os.path.lexists(folder / Provenance.FILE):
        parts["provenance"] = Provenance.from_json(read_object(folder / Provenance.FILE))
    from peftbench.results.crosscheck import cross_check  # it reads predictions (results/items)

    cross_check(folder, status, config, parts.get("metrics"))


def read_run(folder: Path) -> RunRecord:
    """Read a run folder. Never raises for a bad file: the record comes back `damaged`."""
    folder = Path(folder)
    parts: _Parts = {}
    if not is_plain_folder(folder):
        kind = "a link" if folder.is_symlink() else "not a folder"
        target = f" (to {os.readlink(folder)!r})" if folder.is_symlink() else ""
        reason = f"the run folder is {kind}{target}; a run folder is never a link"
        return RunRecord(folder.name, folder, damage=Damage(folder.name + "/", reason))
    try:
        _parts(folder, parts)
    except RecordDamage as exc:
        if "config" not in parts:  # the cell may still be named by a readable config
            try:
                parts["config"] = RunConfig.from_json(read_object(folder / RunConfig.FILE))
            except RecordDamage:
                pass
        return RunRecord(folder.name, folder, damage=Damage(exc.file, exc.reason), **parts)
    return RunRecord(folder.name, folder, **parts)


def read_status(folder: Path) -> Status | None:
    """Just the status of a run folder (None when it has none or it cannot be read)."""
    try:
        return Status.from_json(read_object(Path(folder) / Status.FILE))
    except RecordDamage:
        return None
