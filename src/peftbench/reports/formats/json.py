"""JSON: everything the report holds (the board as in leaderboard.json, seeds, retention,
environment, counts); JSON strings escape every control character."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peftbench.reports.collect import ReportData

SUFFIX = ".json"


def render(data: ReportData, table: str = "all") -> dict[str, str]:
    return {SUFFIX: json.dumps(data.view, indent=2, sort_keys=True, default=str) + "\n"}
