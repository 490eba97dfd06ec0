"""Closed choices and numeric bounds of settings, declared on the schema's fields and checked
when a settings object is made (from a suite file, `--set`, or directly in code).

A field says what it allows in its annotation: `Literal[...]` for a closed choice (a typo gets a
"did you mean"), `Annotated[int, Range(1, 4096)]` for a bounded number. Every float must be
finite. A failed check is a `UserError` naming the key, the value and what is allowed, so the
command exits 2 before anything starts.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import typing
from dataclasses import dataclass
from typing import ClassVar, Literal

from peftbench.errors import UserError, did_you_mean


@dataclass(frozen=True)
class Range:
    """Allowed numbers: `low <= x <= high` (either end open when None), plus the `also` values
    (sentinels such as -1 for "not set"). `above`: strictly greater than `low`."""

    low: float | None = None
    high: float | None = None
    also: tuple[float, ...] = ()
    above: bool = False
    why: str = ""

    def allows(self, value: float) -> bool:
        if value in self.also:
            return True
        if self.low is not None and (value <= self.low if self.above else value < self.low):
            return False
        return self.high is None or value <= self.high

    def describe(self, integer: bool) -> str:
        kind = "an integer" if integer else "a finite number"
        low, high = (_fmt(self.low), _fmt(self.high))
        if self.low is not None and self.high is not None:
            span = f"{kind} {'>' if self.above else '>='} {low} and <= {high}"
        elif self.low is not None:
            span = f"{kind} {'>' if self.above else '>='} {low}"
        elif self.high is not None:
            span = f"{kind} <= {high}"
        else:
            span = kind
        extra = "".join(f" or {_fmt(a)}" for a in self.also)
        return span + extra + (f" ({self.why})" if self.why else "")


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    if float(value).is_integer() and abs(value) >= 10_000:
        return f"{int(value):,}"
    return f"{value:g}" if isinstance(value, float) else str(value)


class Checked:
    """Mixin for frozen settings dataclasses: `KEY` is where the class sits in a suite."""

    KEY: ClassVar[str] = ""

    def __post_init__(self) -> None:
        check_fields(self)


@functools.cache
def _field_rules(cls: type) -> list[tuple[str, tuple[object, ...] | None, Range | None, bool]]:
    """(name, literal choices, range, is integer) for each field of `cls`."""
    hints = typing.get_type_hints(cls, include_extras=True)
    rules = []
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        bounds = None
        if typing.get_origin(tp) is typing.Annotated:
            tp, *meta = typing.get_args(tp)
            bounds = next((m for m in meta if isinstance(m, Range)), None)
        inner = [a for a in typing.get_args(tp) if a is not type(None)] or [tp]
        base = inner[0] if len(inner) == 1 else tp
        if typing.get_origin(base) is tuple:  # a list of closed choices: each item is checked
            base = typing.get_args(base)[0]
        choices = typing.get_args(base) if typing.get_origin(base) is Literal else None
        rules.append((f.name, choices, bounds, base is int))
    return rules


def check_fields(obj: Checked) -> None:
    """Raise a `UserError` for the first field of `obj` outside its choices or range."""
    prefix = type(obj).KEY
    cls: type = type(obj)
    for name, choices, bounds, integer in _field_rules(cls):
        value = getattr(obj, name)
        key = f"{prefix}.{name}" if prefix else name
        if value is None:
            continue
        if choices is not None and isinstance(value, tuple):
            for i, item in enumerate(value):
                check_choice(f"{key}[{i}]", item, choices)
        elif choices is not None:
            check_choice(key, value, choices)
        elif isinstance(value, float) and not math.isfinite(value):
            allowed = bounds.describe(integer) if bounds else "a finite number"
            raise UserError(f"'{key}' is {value!r}, but must be {allowed}", _hint(key))
        if bounds is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
            check_range(key, value, bounds, integer)


def check_choice(key: str, value: object, choices: tuple[object, ...]) -> None:
    if value in choices:
        return
    listing = ", ".join(map(str, choices))
    hint = did_you_mean(str(value), map(str, choices)) or f"choose one of: {listing}"
    raise UserError(f"'{key}' is {value!r}, but must be one of: {listing}", hint)


def check_range(key: str, value: float, bounds: Range, integer: bool = False) -> None:
    if not bounds.allows(value):
        raise UserError(
            f"'{key}' is {_show(value)}, but must be {bounds.describe(integer)}", _hint(key)
        )


def _show(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) and abs(value) >= 10_000 else repr(value)


def _hint(key: str) -> str:
    return f"set {key} to an allowed value in the suite file, or with --set {key}=VALUE"


LEARNING_RATE = Range(0, 1, above=True, why="a learning rate")
DROPOUT = Range(0, 1, why="a dropout probability")
# Integer hyper-parameters (ranks, virtual tokens, reduction factors): a typo with extra zeros
# fails here instead of running out of memory inside every run.
MAX_PARAM_COUNT = 1_048_576


def check_param(key: str, value: object, default: object) -> object:
    """A method hyper-parameter checked against its preset default: same kind of value (a number
    where the preset has a number), finite, not negative where the default is not, at least 1
    where the default is a count >= 1 (and at most `MAX_PARAM_COUNT`); a learning rate in (0, 1];
    a dropout in [0, 1]. Returns the value, numbers given as text converted. Keys without a
    preset default (extra keys) pass unchanged."""
    if default is None:
        return value
    name = key.rsplit(".", 1)[-1]
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise UserError(f"'{key}' is {value!r}, but must be true or false", _hint(key))
        return value
    if isinstance(default, int) and name != "learning_rate":
        if isinstance(value, bool) or not isinstance(value, int):
            raise UserError(f"'{key}' is {value!r}, but must be an integer", _hint(key))
        check_range(key, value, Range(1 if default >= 1 else 0, MAX_PARAM_COUNT), integer=True)
        return value
    if isinstance(default, (int, float)):
        number = _number(key, value)
        if name == "learning_rate":
            check_range(key, number, LEARNING_RATE)
        elif name.endswith("dropout"):
            check_range(key, number, DROPOUT)
        elif default >= 0:
            check_range(key, number, Range(0, None))
        return value if isinstance(value, (int, float)) else number  # run_ids stay as they were
    if isinstance(default, str) and not isinstance(value, str):
        raise UserError(f"'{key}' is {value!r}, but must be a string", _hint(key))
    if isinstance(default, (list, tuple)) and not isinstance(value, (list, tuple)):
        raise UserError(f"'{key}' is {value!r}, but must be a list", f"e.g. {key}=[a, b]")
    if isinstance(default, (list, tuple)) and default and not value:  # peft fails inside the run
        raise UserError(
            f"'{key}' is an empty list, but must name at least one",
            f"e.g. {key}={list(default)!r} (the preset)".replace("'", ""),
        )
    return value


def _number(key: str, value: object) -> float:
    """A finite float from a number or a number written as text ("5e-5")."""
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise UserError(f"'{key}' is {value!r}, but must be a finite number", _hint(key))
    return number
