"""The checks a record's numbers must pass: the one place that says what a valid figure is.

Why each bound (a record outside them is damaged, never shown as a row):
- every number anywhere in a record is finite: JSON's `Infinity`/`NaN` and overflowing literals
  (`1e400` reads as infinity) are not measurements;
- counts (parameters, bytes, tokens, examples, FLOPs) and sizes (memory) are non-negative;
- times are non-negative, and a timed sample (latency, prefill) is plausible (at least
  `MIN_SAMPLE_MS`: efficiency/plausible.py says why);
- a score lies in its metric's range (`metric_range`): every metric is on a 0-100 scale,
  correlations from -100;
- shares are within [0, 1] and percentages of a whole within [0, 100].
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeGuard

from peftbench.efficiency.plausible import bad_samples

SCORE_RANGE = (0.0, 100.0)  # every metric's scale (metrics/base.py)
WIDEST_RANGE = (-100.0, 100.0)  # a metric this peftbench no longer knows: the widest any has
MAX_DEPTH = 64  # nesting of a record's JSON (a few levels in practice)


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
