"""Validation of a suite's `method_params`, before any run starts. Three steps, in order:

- every key is known (`check_known_keys`, from `suite.check_names`);
- every value has the kind and sign of the preset's value (`config.checks.check_param`);
- the method's own `check` (closed choices, ranges, keys that depend on each other), written with
  the helpers below, so every message names the key, the value and what is allowed
  (`run_method_check`, after the values were converted).

Torch-free: `peftbench run --dry-run` validates without importing torch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from peftbench.errors import UserError, did_you_mean

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from peftbench.methods.base import Method


def _is_number(value: Any) -> bool:
    """A number (checks run after `check_param`, which turned numbers written as text into
    numbers)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def one_of(path: str, value: Any, allowed: Iterable[Any]) -> None:
    allowed = tuple(allowed)
    if value not in allowed:
        shown = ", ".join(map(str, allowed))
        hint = did_you_mean(str(value), [str(a) for a in allowed]) or f"allowed: {shown}"
        raise UserError(f"'{path}' is {value!r}, but must be one of: {shown}", hint)


def at_least(path: str, value: Any, low: float) -> None:
    if isinstance(value, bool) or not _is_number(value) or float(value) < low:
        raise UserError(f"'{path}' is {value!r}, but must be a number >= {low}")


def in_range(path: str, value: Any, low: float, high: float) -> None:
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
