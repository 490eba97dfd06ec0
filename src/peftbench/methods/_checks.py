"""Validation of a suite's `method_params`, before any run starts. Three steps, in order:

- every key is known (`check_known_keys`, from `suite.check_names`);
- every value has the kind and sign of the preset's value (`config.checks.check_param`);
- the method's own `check` (closed choices, ranges, keys that depend on each other), written with
  the helpers below, so every message names the key, the value and what is allowed
  (`run_method_check`, after the values were converted).

Torch-free: `peftbench run --dry-run` validates without importing torch.

Below them, typed reads of a checked setting for the code that builds a method (`number`,
`integer`, `flag`, `text`, `names`): after these checks a value has its preset's kind, so another
kind there is a bug in the caller (TypeError), not bad input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, TypeGuard

from peftbench.errors import UserError, did_you_mean

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from peftbench.methods.base import Method


def _is_number(value: object) -> TypeGuard[int | float]:
    """A number (checks run after `check_param`, which turned numbers written as text into
    numbers)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def one_of(path: str, value: object, allowed: Iterable[object]) -> None:
    allowed = tuple(allowed)
    if value not in allowed:
        shown = ", ".join(map(str, allowed))
        hint = did_you_mean(str(value), [str(a) for a in allowed]) or f"allowed: {shown}"
        raise UserError(f"'{path}' is {value!r}, but must be one of: {shown}", hint)


def at_least(path: str, value: object, low: float) -> None:
    if isinstance(value, bool) or not _is_number(value) or float(value) < low:
        raise UserError(f"'{path}' is {value!r}, but must be a number >= {low}")


def in_range(path: str, value: object, low: float, high: float) -> None:
    if isinstance(value, bool) or not _is_number(value) or not low <= float(value) <= high:
        raise UserError(f"'{path}' is {value!r}, but must be between {low} and {high}")


def check_known_keys(
    method: Method, overrides: Mapping[str, object], where: str, also: tuple[str, ...] = ()
) -> None:
    """Every key of `overrides` is a preset key, one of the method's extra keys or in `also`
    (per-method training settings such as val_fraction)."""
    for key in overrides:
        if key not in method.preset and key not in (*method.extra_keys, *also):
            allowed = sorted([*method.preset, *method.extra_keys])
            hint = did_you_mean(key, allowed) or f"known keys: {', '.join(allowed) or 'none'}"
            raise UserError(f"unknown key '{key}' in '{where}'", hint)


def run_method_check(method: Method, overrides: Mapping[str, object], where: str) -> None:
    """The method's own checks on its preset with `overrides` applied."""
    if method.check is not None:
        method.check(method.params(overrides), where)


def number(params: Mapping[str, object], key: str) -> float:
    """`params[key]`: a number as it is (an int stays an int, as a config written from it shows
    it), a number written as text read by `float`."""
    value = params[key]
    if isinstance(value, int | float):
        return value
    if not isinstance(value, str):
        raise TypeError(f"method setting '{key}' is {value!r}, not a number")
    return float(value)


def integer(params: Mapping[str, object], key: str) -> int:
    """`params[key]` as an int (as `int` reads a number or its text)."""
    value = params[key]
    if not isinstance(value, int | float | str):
        raise TypeError(f"method setting '{key}' is {value!r}, not an integer")
    return int(value)


def flag(params: Mapping[str, object], key: str) -> bool:
    """`params[key]` when it is true or false."""
    value = params[key]
    if not isinstance(value, bool):
        raise TypeError(f"method setting '{key}' is {value!r}, not true or false")
    return value


def text(value: object, key: str) -> str:
    """`value` (the setting `key`) when it is a string."""
    if not isinstance(value, str):
        raise TypeError(f"method setting '{key}' is {value!r}, not a string")
    return value


def names(value: object, key: str) -> list[str]:
    """`value` (the setting `key`: roles or module names) as a list of strings."""
    items = list(value) if isinstance(value, list | tuple) else None
    strings = [v for v in items or () if isinstance(v, str)]
    if items is None or len(strings) != len(items):
        raise TypeError(f"method setting '{key}' is {value!r}, not a list of names")
    return strings
