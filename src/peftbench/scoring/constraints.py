"""A user's limits ("which method can I afford?"): parse them, and test leaderboard rows.

`peftbench show DIR --max-train-mem 8GB --max-slowdown 5% --min-score 70` keeps the methods whose
measured figures are within every limit, ranked as the leaderboard ranks them (by the chosen
profile's PSCP). The PSCP values are those of the full leaderboard (maxima over every method
compared), so a method's number does not change when others are filtered out; filtering is a
view, not a re-scoring. A row that lacks a figure a limit needs (e.g. no memory measured) does
not pass that limit, and the reason says so.

Units: memory takes B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024) and
is compared with the rows' peak training memory in MiB; slowdown is percent over the base model
(`5%` or `5`); the score is the task score, 0-100.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

_UNITS = {
    "b": 1,
    "kb": 1e3,
    "mb": 1e6,
    "gb": 1e9,
    "tb": 1e12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}
# a leaderboard row, by row key (scoring.pscp.Figures): the board's or one read from JSON
R = TypeVar("R", bound=Mapping[str, object])
_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-z]+)\s*$", re.I)


def memory_mib(text: str) -> float:
    """'8GB' -> 7629.39 (MiB). An argparse type: a bad value exits 2 with the reason."""
    match = _SIZE.match(str(text))
    unit = match.group(2).lower() if match else ""
    if not match or unit not in _UNITS:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a memory size: give a number and a unit, e.g. 8GB, 500MB, 16GiB "
            f"(units: {', '.join(u.upper().replace('I', 'i') for u in _UNITS)})"
        )
    value = float(match.group(1)) * _UNITS[unit] / 2**20
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' must be a positive memory size")
    return value


def percent(text: str) -> float:
    """'5%' or '5' -> 5.0 (percent slowdown over the base model; negative means faster)."""
    raw = str(text).strip().removesuffix("%").strip()
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a percentage, e.g. 5% or 12.5") from None
    if not math.isfinite(value) or value < -100:
        raise argparse.ArgumentTypeError(f"'{text}' must be a finite percentage >= -100")
    return value


def score(text: str) -> float:
    """A task score threshold, 0-100."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number (scores are 0-100)") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"'{text}' is outside 0-100 (task scores are 0-100)")
    return value


@dataclass(frozen=True)
class Constraints:
    max_train_mem_mib: float | None = None
    max_slowdown_pct: float | None = None
    min_score: float | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in vars(self).values())

    def describe(self) -> str:
        parts = []
        if self.max_train_mem_mib is not None:
            parts.append(f"peak training memory <= {self.max_train_mem_mib:,.0f} MiB")
        if self.max_slowdown_pct is not None:
            parts.append(f"slowdown <= {self.max_slowdown_pct:+g} %")
        if self.min_score is not None:
            parts.append(f"score >= {self.min_score:g}")
        return ", ".join(parts) or "no limits"

    def failures(self, row: Mapping[str, object]) -> list[str]:
        """Why `row` is outside the limits ([] when it satisfies all of them)."""
        out = []
        for key, limit, fmt, bad in (
            ("peak_train_mem_mb", self.max_train_mem_mib, "{:,.0f} MiB", lambda v, lim: v > lim),
            ("slowdown_pct", self.max_slowdown_pct, "{:+.1f} %", lambda v, lim: v > lim),
            ("score", self.min_score, "{:.1f}", lambda v, lim: v < lim),
        ):
            if limit is None:
                continue
            value = row.get(key)
            if not isinstance(value, int | float) or not math.isfinite(value):
                out.append(f"{key} not measured")
            elif bad(value, limit):
                out.append(f"{key} {fmt.format(value)}")
        return out

    def to_dict(self) -> dict[str, float | None]:
        return dict(vars(self))


def split_rows(rows: Sequence[R], limits: Constraints) -> tuple[list[R], list[tuple[R, list[str]]]]:
    """(rows within the limits, in the given order; rows outside, each with its reasons)."""
    kept: list[R] = []
    dropped: list[tuple[R, list[str]]] = []
    for row in rows:
        why = limits.failures(row)
        if why:
            dropped.append((row, why))
        else:
            kept.append(row)
    return kept, dropped
