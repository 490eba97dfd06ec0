"""Numeric answers (GSM8K, SVAMP, MathQA-style numbers): extraction and numeric equality.

`extract_gsm8k_gold` reads the number after GSM8K's `####`; `extract_last_number` is the usual
parser for a model's free-form solution (the last number it writes). `numeric_accuracy` compares
as numbers, so "5", "5.0" and 5 are equal; a None or non-numeric prediction is wrong.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from peftbench.metrics.base import mean_metric, register

# An optional sign, digits with optional thousands commas, an optional decimal part; or ".5".
_NUMBER = re.compile(r"[-+]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)")


def _clean(number: str) -> str:
    return number.replace(",", "").lstrip("+")


def extract_gsm8k_gold(answer_text: str) -> str:
    """The final answer of a GSM8K solution: the number after `####`, commas removed."""
    if "####" not in answer_text:
        raise ValueError("GSM8K answer without '####'")
    tail = answer_text.rsplit("####", 1)[1].strip()
    match = _NUMBER.search(tail)
    return _clean(match.group(0)) if match else _clean(tail)


def extract_last_number(text: str) -> str | None:
    """The last number in `text` (commas removed), or None when there is none."""
    matches = [m.group(0) for m in _NUMBER.finditer(text)]
    matches = [m for m in matches if any(ch.isdigit() for ch in m)]
    return _clean(matches[-1]) if matches else None


def to_number(value: object) -> float | None:
    """A float from an int, float or numeric string (commas allowed); None when not a number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        number = float(_clean(str(value).strip()))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def numbers_equal(prediction: object, gold: object) -> bool:
    """Equal as numbers, up to float rounding (rel 1e-9): "5" == "5.0" == 5, "0.1" == 0.1."""
    p, g = to_number(prediction), to_number(gold)
    if p is None or g is None:
        return False
    return math.isclose(p, g, rel_tol=1e-9, abs_tol=1e-9)


def _numeric_hits(predictions: Sequence[object], golds: Sequence[object]) -> list[float]:
    return [100.0 * numbers_equal(p, g) for p, g in zip(predictions, golds, strict=True)]


register(
    mean_metric(
        "numeric_accuracy",
        "share of predictions numerically equal to the gold answer (x100)",
        _numeric_hits,
    )
)
