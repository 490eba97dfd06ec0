"""The type of JSON data, and typed frozen views of flat JSON objects.

A leaf any layer may use (it imports nothing of peftbench). `JSONValue` is what `json.loads` can
return; `JSONObject` one JSON object. Code that reads one narrows with `isinstance` before use,
so a wrong type in a file is a clear error, not an untyped value that fails three calls later.

`Flat` is the base of a frozen dataclass whose fields are keys of one flat JSON object (a part
of the run record, a group of efficiency figures written under a key prefix). `read` takes the
keys whose values have the declared type and keeps every other key, as written, in `extra`, so a
record written by another version reads back to the same JSON (`to_json(read(d)) == d`): a key
that is null, or holds an unexpected type, stays in `extra`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Hashable, Mapping
from functools import cache
from typing import ClassVar, Self, TypeAlias

JSONValue: TypeAlias = "str | int | float | bool | list[JSONValue] | dict[str, JSONValue] | None"
JSONObject: TypeAlias = "dict[str, JSONValue]"


def accepts(tp: object, value: object) -> bool:
    """Whether `value` (parsed JSON) has the type `tp` (a field's annotation, resolved)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return any(accepts(a, value) for a in args)
    if tp is type(None):
        return value is None
    if tp is object:
        return True
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:  # JSON has one number type: 3 is a float figure too
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    if origin is list:
        return isinstance(value, list) and all(accepts(args[0], v) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(accepts(args[1], v) for v in value.values())
    if isinstance(tp, type) and issubclass(tp, Flat):
        return isinstance(value, dict)
    return False


@cache
def _hints(cls: Hashable) -> dict[str, object]:
    return typing.get_type_hints(cls)


def _flat_of(tp: object) -> type[Flat] | None:
    """The Flat class in an annotation (`Group` or `Group | None`), or None."""
    for t in (tp, *typing.get_args(tp)):
        if isinstance(t, type) and issubclass(t, Flat):
            return t
    return None


@dataclasses.dataclass(frozen=True)
class Flat:
    """Typed fields over one flat JSON object (see the module docstring); subclasses are frozen
    dataclasses whose fields hold JSON scalars, lists, dicts or nested `Flat` objects."""

    # a nested Flat field is stored under its own key (an object); PREFIXED names the nested
    # ones stored flat instead, each under its own key prefix (field name -> prefix)
    PREFIXED: ClassVar[dict[str, str]] = {}

    extra: JSONObject = dataclasses.field(default_factory=dict, kw_only=True)

    @classmethod
    def read(cls, data: Mapping[str, JSONValue], prefix: str = "", *, nested: bool = False) -> Self:
        """The typed view of `data`'s keys under `prefix`; the keys no field takes go to `extra`
        (of the outermost object only: a nested group's keys share its parent's object)."""
        hints: dict[str, object] = _hints(typing.cast(Hashable, cls))
        kwargs: dict[str, object] = {}
        taken: set[str] = set()
        for f in dataclasses.fields(cls):
            if f.name == "extra":
                continue
            tp = hints[f.name]
            if f.name in cls.PREFIXED:
                group_type = _flat_of(tp)
                assert group_type is not None, f"{cls.__name__}.{f.name} is not a Flat group"
                group = group_type.read(data, prefix + cls.PREFIXED[f.name], nested=True)
                kwargs[f.name] = group
                taken |= {prefix + cls.PREFIXED[f.name] + k for k in group.to_json()}
                continue
            key = prefix + f.name
            value = data.get(key)
            if value is None or not accepts(tp, value):
                continue
            inner = _flat_of(tp)
            kwargs[f.name] = inner.read(value) if inner and isinstance(value, dict) else value
            taken.add(key)
        if not nested:
            kwargs["extra"] = {k: v for k, v in data.items() if k not in taken}
        return cls(**kwargs)  # type: ignore[arg-type]

    def to_json(self, prefix: str = "") -> JSONObject:
        """The flat JSON object (keys under `prefix`); fields that are None are left out."""
        out: JSONObject = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "extra" or value is None:
                continue
            if f.name in self.PREFIXED:
                out.update(value.to_json(prefix + self.PREFIXED[f.name]))
            elif isinstance(value, Flat):
                out[prefix + f.name] = value.to_json()
            else:
                out[prefix + f.name] = value
        out.update({prefix + k: v for k, v in self.extra.items()})
        return out
