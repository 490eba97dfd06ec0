"""The type of JSON data: what a record part, a config file or a report holds once parsed.

A leaf any layer may use (it imports nothing). `JSONValue` is what `json.loads` can return;
`JSONObject` one JSON object. Code that reads one narrows with `isinstance` before use, so a
wrong type in a file is a clear error instead of an `Any` that fails three calls later.
"""

from __future__ import annotations

from typing import TypeAlias

JSONValue: TypeAlias = "str | int | float | bool | list[JSONValue] | dict[str, JSONValue] | None"
JSONObject: TypeAlias = "dict[str, JSONValue]"
