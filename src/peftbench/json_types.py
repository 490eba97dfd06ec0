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
    # ones stored flat instead, each under its own key prefix (field name -> prefix); such a
    # group is None when none of its keys is there (not measured)
    PREFIXED: ClassVar[dict[str, str]] = {}
    # fields written as null when None: measured, but without a value (an interval from too few
    # pairs, FLOPs not counted); every other None field is left out
    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    extra: JSONObject = dataclasses.field(default_factory=dict, kw_only=True)
    # NULLABLE fields a file read did not have (an older writer): not written back as null
    absent: frozenset[str] = dataclasses.field(
        default=frozenset(), kw_only=True, repr=False, compare=False
    )

    @classmethod
    def read(cls, data: Mapping[str, JSONValue], prefix: str = "") -> Self:
        """The typed view of `data`'s keys under `prefix`; the keys no field takes go to `extra`
        (of the outermost object only: a nested group's keys share its parent's object)."""
        found, taken = cls._read(data, prefix)
        if not prefix:
            return dataclasses.replace(
                found, extra={k: v for k, v in data.items() if k not in taken}
            )
        return found

    @classmethod
    def mistyped(
        cls, data: Mapping[str, JSONValue], prefix: str = ""
    ) -> dict[str, tuple[JSONValue, str]]:
        """The keys of `data` that name a field (here or in a PREFIXED group) but hold a value
        its type does not take, with that value and the type. `read` leaves them to `extra`,
        where a reader asking for the key by name still finds them: a record reader calls this
        first and calls such a file damaged (a `latency_reused_from` of 5 read as a distinct
        latency run narrowed a row's interval sixfold)."""
        hints: dict[str, object] = _hints(typing.cast(Hashable, cls))
        out: dict[str, tuple[JSONValue, str]] = {}
        for f in dataclasses.fields(cls):
            if f.name in ("extra", "absent"):
                continue
            if f.name in cls.PREFIXED:
                group_type = _flat_of(hints[f.name])
                if group_type is not None:
                    out |= group_type.mistyped(data, prefix + cls.PREFIXED[f.name])
                continue
            key = prefix + f.name
            value = data.get(key)
            if value is not None and not accepts(hints[f.name], value):
                out[key] = (value, str(hints[f.name]).replace("typing.", ""))
        return out

    @classmethod
    def _read(cls, data: Mapping[str, JSONValue], prefix: str) -> tuple[Self, set[str]]:
        hints: dict[str, object] = _hints(typing.cast(Hashable, cls))
        kwargs: dict[str, object] = {}
        taken: set[str] = set()
        absent = set()
        for f in dataclasses.fields(cls):
            if f.name in ("extra", "absent"):
                continue
            tp = hints[f.name]
            if f.name in cls.PREFIXED:
                group_type = _flat_of(tp)
                assert group_type is not None, f"{cls.__name__}.{f.name} is not a Flat group"
                group, keys = group_type._read(data, prefix + cls.PREFIXED[f.name])
                if keys:
                    kwargs[f.name] = group
                    taken |= keys
                continue
            key = prefix + f.name
            value = data.get(key)
            if value is None:
                if key in data and f.name in cls.NULLABLE:
                    taken.add(key)  # written as null, and written so again
                elif f.name in cls.NULLABLE:
                    absent.add(f.name)
                continue
            if not accepts(tp, value):
                continue
            inner = _flat_of(tp)
            kwargs[f.name] = inner.read(value) if inner and isinstance(value, dict) else value
            taken.add(key)
        return cls(**kwargs, absent=frozenset(absent)), taken  # type: ignore[arg-type]

    def to_json(self, prefix: str = "") -> JSONObject:
        """The flat JSON object (keys under `prefix`); None fields are left out but NULLABLE ones,
        and a PREFIXED group that is None writes nothing."""
        out: JSONObject = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in ("extra", "absent"):
                continue
            if value is None and (f.name not in self.NULLABLE or f.name in self.absent):
                continue
            if f.name in self.PREFIXED:
                if value is not None:
                    out.update(value.to_json(prefix + self.PREFIXED[f.name]))
            elif isinstance(value, Flat):
                out[prefix + f.name] = value.to_json()
            else:
                out[prefix + f.name] = value
        out.update({prefix + k: v for k, v in self.extra.items()})
        return out
