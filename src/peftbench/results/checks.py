"""The checks a record's numbers must pass: the one place that says what a valid figure is.

Why each bound (a record outside them is damaged, never shown as a row):
- every number anywhere in a record is finite: JSON's `Infinity`/`NaN` and overflowing literals
  (`1e400` reads as infinity) are not measurements;
- counts (parameters, bytes, tokens, examples, FLOPs) and sizes (memory) are non-negative;
- times are non-negative, and a timed sample (latency, prefill) is plausible (at least
  `MIN_SAMPLE_MS`: efficiency/plausible.py says why);
- a score lies in its metric's range (`metric_range`): every metric is on a 0-100 scale,
  correlations from -100;
- shares are within [0, 1] and percentages of a whole within [0, 100];
- no number is beyond `MAX_MAGNITUDE`, and the figures PSCP weighs have a plausible ceiling
  (`MAX_PARAMS`, `MAX_MEMORY_MB`; a timed step at most `MAX_SAMPLE_MS`): a finite but absurd
  value (peak memory 1e308 MiB, 1e300 trainable parameters) is not a measurement either, and
  shown as one it zeroes every other method's cost-weighted score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeGuard

from peftbench.efficiency.plausible import bad_samples
from peftbench.json_types import JSONValue

SCORE_RANGE = (0.0, 100.0)  # every metric's scale (metrics/base.py)
WIDEST_RANGE = (-100.0, 100.0)  # a metric this peftbench no longer knows: the widest any has
MAX_DEPTH = 64  # nesting of a record's JSON (a few levels in practice)
# Far above anything a record holds: the forward FLOPs of a 1e15-parameter model over a million
# tokens are 2e21; a byte count of all the world's storage is ~1e23.
MAX_MAGNITUDE = 1e30
MAX_PARAMS = 1e15  # parameters of a model or an adapter (the largest models have ~2e12)
MAX_MEMORY_MB = 2.0**30  # a mebibyte count of one process's peak memory: at most 1 PiB


class RecordDamage(ValueError):
    """One file of a record cannot be used: which file and why."""

    def __init__(self, file: str, reason: str) -> None:
        self.file = file
        self.reason = reason
        super().__init__(f"{file}: {reason}")


@dataclass(frozen=True)
class Damage:
    file: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


def _show(value: object) -> str:
    return repr(value)[:80]


def is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def finite_tree(value: object, file: str, where: str = "", depth: int = 0) -> None:
    """Every number in `value` (nested lists and objects) is finite, else RecordDamage."""
    if depth > MAX_DEPTH:
        raise RecordDamage(file, f"nested more than {MAX_DEPTH} levels deep at '{where}'")
    if isinstance(value, float) and not math.isfinite(value):
        raise RecordDamage(file, f"'{where}' should be a finite number, found {value!r}")
    if is_number(value) and abs(value) > MAX_MAGNITUDE:
        raise RecordDamage(
            file, f"'{where}' is {_show(value)}, beyond {MAX_MAGNITUDE:g}: not a measurement"
        )
    if isinstance(value, dict):
        for k, v in value.items():
            finite_tree(v, file, f"{where}.{k}" if where else str(k), depth + 1)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            finite_tree(v, file, f"{where}[{i}]", depth + 1)


def check_range(
    value: float,
    key: str,
    file: str,
    low: float | None = None,
    high: float | None = None,
    above: bool = False,
) -> float:
    """`value` within [low, high] (`above`: strictly above low), else RecordDamage."""
    if not math.isfinite(value):
        raise RecordDamage(file, f"'{key}' should be a finite number, found {value!r}")
    if low is not None and (value <= low if above else value < low):
        bound = f"above {low:g}" if above else f"at least {low:g}"
        raise RecordDamage(file, f"'{key}' should be {bound}, found {value!r}")
    if high is not None and value > high:
        raise RecordDamage(file, f"'{key}' should be at most {high:g}, found {value!r}")
    return value


def number(
    data: Mapping[str, object],
    key: str,
    file: str,
    required: bool = True,
    low: float | None = None,
    high: float | None = None,
    above: bool = False,
) -> float | None:
    """A finite number within the bounds (None when absent and not required)."""
    value = data.get(key)
    if value is None and not required:
        return None
    if not is_number(value):
        raise RecordDamage(file, f"'{key}' should be a number, found {_show(value)}")
    return check_range(float(value), key, file, low, high, above)


def figure(
    data: Mapping[str, object],
    key: str,
    file: str,
    low: float | None = None,
    high: float | None = None,
    above: bool = False,
) -> float:
    """A required finite number within the bounds (`number` with `required`)."""
    value = number(data, key, file, True, low, high, above)
    assert value is not None  # `number` raised when it is absent
    return value


def count(data: Mapping[str, object], key: str, file: str, required: bool = True) -> int | None:
    """A non-negative whole number (written as an integer or an integral float)."""
    value = number(data, key, file, required, low=0)
    if value is None:
        return None
    if not float(value).is_integer():
        raise RecordDamage(file, f"'{key}' should be a whole number, found {data.get(key)!r}")
    return int(value)


def samples(data: Mapping[str, object], key: str, file: str) -> None:
    """A list of timed samples in ms (null: not measured), each plausible (module docstring)."""
    value = data.get(key)
    if value is None:
        return
    why = bad_samples(value)
    if why is not None:
        raise RecordDamage(file, f"'{key}' {why}")


def metric_range(name: str) -> tuple[float, float]:
    """The values a metric can take: its registered range, else the widest any metric has."""
    from peftbench.metrics import METRICS  # the registry loads metric modules: not at import

    if name not in METRICS:  # a plugin's not loaded, or a metric removed since
        return WIDEST_RANGE
    return (METRICS.get(name).low, SCORE_RANGE[1])


def score(value: object, key: str, metric: str, file: str) -> float:
    """A score of `metric` within its range."""
    if not is_number(value):
        raise RecordDamage(file, f"'{key}' should be a number, found {_show(value)}")
    low, high = metric_range(metric)
    if not (math.isfinite(value) and low <= value <= high):
        raise RecordDamage(
            file, f"'{key}' should be a score of '{metric}' in [{low:g}, {high:g}], found {value!r}"
        )
    return float(value)


def _agrees(value: float, expected: float) -> bool:
    return abs(value - expected) <= 1e-6 * max(1.0, abs(expected))


def check_efficiency(
    typed: Mapping[str, float | None], data: Mapping[str, JSONValue], file: str
) -> None:
    """Ceilings of the figures PSCP weighs; the trainable share agrees with the two counts it is
    made of, and the extra TFLOPs save at most the base model's own."""
    from peftbench.efficiency.plausible import MAX_SAMPLE_MS, MIN_SAMPLE_MS

    for key, ceiling in (
        ("trainable_params", MAX_PARAMS),
        ("total_params", MAX_PARAMS),
        ("base_params", MAX_PARAMS),
        ("peak_train_mem_mb", MAX_MEMORY_MB),
        ("latency_ms_per_token", MAX_SAMPLE_MS),
        ("base_latency_ms_per_token", MAX_SAMPLE_MS),
        ("prefill_ms", MAX_SAMPLE_MS),
        # a ratio of two plausible samples, as a slowdown in %; None: not measured (imported)
        ("slowdown_pct", 100 * MAX_SAMPLE_MS / MIN_SAMPLE_MS),
    ):
        value = typed.get(key)
        if value is not None:
            check_range(float(value), key, file, high=ceiling)
    trainable, base, pct = (
        typed.get(k) for k in ("trainable_params", "base_params", "trainable_pct")
    )
    if trainable is not None and base and pct is not None:
        share = 100.0 * trainable / base
        if not _agrees(pct, share):
            raise RecordDamage(
                file,
                f"'trainable_pct' is {pct!r}, but 'trainable_params' / "
                f"'base_params' is {share!r} %",
            )
    extra, base_flops = typed.get("extra_tflops"), data.get("base_flops")
    if extra is not None and is_number(base_flops) and extra * 1e12 < -float(base_flops):
        raise RecordDamage(  # a method cannot save more FLOPs than the base model's pass has
            file,
            f"'extra_tflops' is {extra!r}, below minus the base model's "
            f"{float(base_flops) / 1e12!r} TFLOPs ('base_flops')",
        )


def check_drift(drift: Mapping[str, JSONValue], file: str) -> None:
    """KL divergence is never negative; the perplexity change agrees with the two perplexities
    (each already read as a number by the caller: `figure` only types them here)."""
    kl = number(drift, "kl_mean", file)
    if kl is not None and kl < -1e-9:  # a sum of p log(p/q): >= 0 up to rounding
        raise RecordDamage(file, f"'drift.kl_mean' should be at least 0, found {kl!r}")
    ppl, base = figure(drift, "ppl", file), figure(drift, "ppl_base", file)
    pct = figure(drift, "ppl_delta_pct", file)
    if not _agrees(pct, 100.0 * (ppl - base) / base):
        raise RecordDamage(
            file,
            f"'drift.ppl_delta_pct' is {pct!r}, but 'ppl' {ppl!r} vs 'ppl_base' {base!r} is "
            f"{100.0 * (ppl - base) / base!r} %",
        )


def check_retention(retention: Mapping[str, JSONValue], file: str) -> None:
    """The retention delta is the mean of its tasks' deltas (stability/retention.py)."""
    tasks = retention.get("tasks")
    if tasks is not None and not isinstance(tasks, dict):  # a list of tasks is no record's
        raise RecordDamage(
            file, f"'retention.tasks' should map tasks to figures, found {_show(tasks)}"
        )
    if not isinstance(tasks, dict) or not tasks:
        return
    deltas = [t.get("delta") if isinstance(t, dict) else None for t in tasks.values()]
    numbers = [float(d) for d in deltas if is_number(d)]
    if len(numbers) != len(deltas):
        raise RecordDamage(file, "'retention.tasks' should give each task's 'delta' as a number")
    mean = sum(numbers) / len(numbers)
    delta = figure(retention, "delta", file)
    if not _agrees(delta, mean):
        raise RecordDamage(
            file,
            f"'retention.delta' is {retention['delta']!r}, but its tasks' deltas average {mean!r}",
        )
