"""Validation of a suite's `method_params`: every key known, every value of the right kind.

Two layers, both run by `config.loader.check_names` before any run starts:

- types from the preset: a key whose preset value is a bool, int, float, str or list only takes
  a value of that kind (a list of module names also takes one string, peft's regex form);
- the method's own `check` (closed choices, ranges, keys that depend on each other), written with
  the helpers below, so every message names the key, the value and what is allowed.

Torch-free: `peftbench run --dry-run` validates without importing torch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from peftbench.errors import UserError, did_you_mean


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):  # YAML reads 5e-5 (no dot) as a string
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def check_like(path: str, preset_value: Any, value: Any) -> None:
    """`value` must be of the kind of `preset_value` (None in the preset: anything)."""
    if preset_value is None:
        return
    if isinstance(preset_value, bool):
        if not isinstance(value, bool):
            raise UserError(f"'{path}' must be true or false, got {value!r}", f"e.g. {path}=true")
    elif isinstance(preset_value, int) and not isinstance(preset_value, bool):
        if isinstance(value, bool) or not isinstance(value, int):
            raise UserError(
                f"'{path}' must be a whole number, got {value!r}", f"e.g. {path}={preset_value}"
            )
    elif isinstance(preset_value, float):
        if not _is_number(value):
            raise UserError(f"'{path}' must be a number, got {value!r}", f"e.g. {path}=1.0e-4")
    elif isinstance(preset_value, str):
        if not isinstance(value, str):
            raise UserError(f"'{path}' must be a string, got {value!r}", "put the value in quotes")
    elif isinstance(preset_value, (list, tuple)):
        ok = isinstance(value, str) or (
            isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
        )
        if not ok:
            raise UserError(
                f"'{path}' must be a list of module names or roles (or one regex string), "
                f"got {value!r}",
                f"e.g. {path}=[query, value]",
            )


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


def check_method_params(method: Any, overrides: Mapping[str, Any], where: str) -> None:
    """Unknown keys, wrong kinds and the method's own checks, for `method`'s suite overrides."""
    for key, value in overrides.items():
        if key not in method.preset and key not in method.extra_keys:
            allowed = sorted([*method.preset, *method.extra_keys])
            hint = did_you_mean(key, allowed) or f"known keys: {', '.join(allowed) or 'none'}"
            raise UserError(f"unknown key '{key}' in '{where}'", hint)
        check_like(f"{where}.{key}", method.preset.get(key), value)
    if method.check is not None:
        method.check(method.params(overrides), where)
