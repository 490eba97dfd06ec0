"""`leaderboard.json`: the board as JSON, with its `schema_version` (docs/leaderboard.schema.json).

The same JSON-ready form is what the report renderers read (reports/formats/), so a table and
leaderboard.json cannot disagree, and a tool outside peftbench can render the same tables from
leaderboard.json alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from peftbench.board.model import Board


def to_json(board: Board) -> dict[str, Any]:
    """The board as plain JSON data (a fresh copy: changing it changes nothing in the board)."""
    out = plain(board)
    assert isinstance(out, dict)
    return out


def plain(value: Any) -> Any:
    """Dataclasses -> dicts (every field), tuples -> lists, mappings -> dicts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
