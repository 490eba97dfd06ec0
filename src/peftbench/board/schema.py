"""The JSON Schema of leaderboard.json, generated from the board's dataclasses (board/model.py).

docs/leaderboard.schema.json is this function's output (`python -m peftbench.board.schema >
docs/leaderboard.schema.json`); tests/board/test_schema.py checks that the file is current and
that a real board validates against it. Every object is closed (`additionalProperties: false`),
so a field the serialiser writes and the schema lacks fails validation.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from typing import ForwardRef, Literal, Union

from peftbench.board import model
from peftbench.board.model import SCHEMA_VERSION, Board, Json
from peftbench.json_types import JSONObject, JSONValue

SCHEMA_ID = "https://peftbench.invalid/leaderboard.schema.json"


def leaderboard_schema() -> JSONObject:
    """The schema of `board.serialise.to_json(board)` for any board."""
    defs: JSONObject = {}
    root = _object(Board, defs, {"schema_version": {"const": SCHEMA_VERSION}})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "peftbench leaderboard.json",
        "description": (Board.__doc__ or "").strip(),
        **root,
        "$defs": dict(sorted(defs.items())),
    }


def _object(cls: type, defs: JSONObject, fixed: JSONObject | None = None) -> JSONObject:
    """The schema of a dataclass's JSON object; `fixed`: schemas of some fields, as given."""
    hints = typing.get_type_hints(cls, vars(model))
    fields = dataclasses.fields(cls)
    properties: JSONObject = {f.name: _type(hints[f.name], defs) for f in fields}
    properties.update(fixed or {})
    required: list[JSONValue] = [f.name for f in fields]
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _type(t: object, defs: JSONObject) -> JSONObject:
    """The schema of one annotation (the closed set of types board/model.py uses)."""
    if t == Json or isinstance(t, ForwardRef):
        return {}  # any JSON value
    if t is type(None):
        return {"type": "null"}
    simple: dict[object, str] = {str: "string", bool: "boolean", int: "integer", float: "number"}
    if t in simple:
        return {"type": simple[t]}
    if dataclasses.is_dataclass(t) and isinstance(t, type):
        if t.__name__ not in defs:
            defs[t.__name__] = {}  # placeholder: a class may contain itself
            defs[t.__name__] = {"description": (t.__doc__ or "").strip(), **_object(t, defs)}
        return {"$ref": f"#/$defs/{t.__name__}"}
    origin, args = typing.get_origin(t), typing.get_args(t)
    if origin in (Union, types.UnionType):
        options: list[JSONValue] = [_type(a, defs) for a in args]
        return {"anyOf": options}
    if origin is Literal:
        return {"enum": list(args)}
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return {"type": "array", "items": _type(args[0], defs)}
    if origin is tuple:
        n = len(args)
        items: list[JSONValue] = [_type(a, defs) for a in args]
        return {"type": "array", "prefixItems": items, "minItems": n, "maxItems": n}
    if origin in (dict, Mapping) or origin is typing.get_origin(Mapping[str, int]):
        return {"type": "object", "additionalProperties": _type(args[1], defs)}
    if origin is list:
        return {"type": "array", "items": _type(args[0], defs)}
    raise TypeError(f"board/schema.py: no JSON Schema for the annotation {t!r}")


def main() -> None:
    print(json.dumps(leaderboard_schema(), indent=2))


if __name__ == "__main__":
    main()
