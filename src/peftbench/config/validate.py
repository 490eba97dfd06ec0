"""Turn plain dicts (YAML, --set) into the frozen dataclasses of `schema`, or fail clearly."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal, TypeVar, Union

from peftbench.errors import UserError, did_you_mean

if TYPE_CHECKING:  # annotations only
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")  # a settings dataclass


def _coerce(value: object, tp: object, path: str) -> object:
    """`value` as the annotation `tp` of a settings field wants it, or a UserError."""
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, path)
            except UserError as exc:
                errors.append(exc)
        raise errors[0]
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return build(tp, value, path)
    if origin is tuple:
        (item_tp, _) = typing.get_args(tp)
        if isinstance(value, (str, int, float)):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise UserError(f"'{path}' must be a list, got {value!r}", "e.g. [a, b]")
        return tuple(_coerce(v, item_tp, f"{path}[{i}]") for i, v in enumerate(value))
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise UserError(f"'{path}' must be a mapping, got {value!r}", "e.g. {key: value}")
        return value
    if origin is Literal:  # a Literal's choices are checked by the dataclass
        return value
    if tp is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if tp is float and isinstance(value, str):
        try:
            return float(value)  # YAML reads 5e-5 as a string
        except ValueError:
            pass
    if tp is float:
        raise UserError(f"'{path}' must be a number, got {value!r}", f"e.g. {path}=0.5")
    if tp is bool and not isinstance(value, bool):
        raise UserError(f"'{path}' must be true or false, got {value!r}", f"e.g. {path}=true")
    if tp is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise UserError(
            f"'{path}' must be an integer, got {value!r}", f"write a whole number, e.g. {path}=10"
        )
    if tp is str and not isinstance(value, str):
        raise UserError(f"'{path}' must be a string, got {value!r}", "put the value in quotes")
    return value


def build(cls: type[T], data: object, path: str = "") -> T:
    """`cls(**data)` with every key checked: unknown keys, missing keys and wrong types fail."""
    where = path or "suite"
    if not isinstance(data, dict):
        raise UserError(f"'{where}' must be a mapping of settings, got {data!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in data:
        if key not in fields:
            hint = did_you_mean(key, fields) or f"valid keys here: {', '.join(fields)}"
            raise UserError(f"unknown key '{key}' in '{where}'", hint)
    kwargs: dict[str, object] = {}
    for name, f in fields.items():
        key_path = f"{path}.{name}" if path else name
        if name in data:
            kwargs[name] = _coerce(data[name], hints[name], key_path)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise UserError(f"'{where}' is missing the required key '{name}'")
    return cls(**kwargs)


def deep_merge(base: Mapping[str, object], override: Mapping[str, object]) -> dict[str, object]:
    """Merge mappings key by key (recursively); lists and scalars in `override` replace."""
    out = dict(base)
    for key, value in override.items():
        current = out.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            out[key] = deep_merge(current, value)
        else:
            out[key] = value
    return out
