"""`leaderboard.json`: the board as JSON, with its `schema_version` (docs/leaderboard.schema.json).

The same JSON-ready form is what the report renderers read (reports/formats/), so a table and
leaderboard.json cannot disagree, and a tool outside peftbench can render the same tables from
leaderboard.json alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from peftbench.board.model import Board, Row
from peftbench.json_types import JSONObject, JSONValue


def to_json(board: Board) -> JSONObject:
    """The board as plain JSON data (a fresh copy: changing it changes nothing in the board)."""
    out = plain(board)
    assert isinstance(out, dict)
    return out


def row_json(row: Row) -> JSONObject:
    """One row as leaderboard.json holds it (a fresh copy)."""
    out = plain(row)
    assert isinstance(out, dict)
    return out


def plain(value: object) -> JSONValue:
    """Dataclasses -> dicts (every field), tuples -> lists, mappings -> dicts; the leaves are
    the JSON scalars the board's typed fields hold (anything else is a bug in the board)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"the board holds a {type(value).__name__}, which is not JSON: {value!r}")
