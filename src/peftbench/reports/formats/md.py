"""Markdown: every table (or the one picked), under the folder's title and counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peftbench.reports import escape, tables
from peftbench.reports.formats._common import header, pick

if TYPE_CHECKING:
    from peftbench.reports.collect import ReportData

SUFFIX = ".md"


def render(data: ReportData, table: str = "all") -> dict[str, str]:
    title, lines = header(data.view)
    head = "\n".join(f"_{escape.markdown(line)}_  " for line in lines)
    body = "\n\n".join(tables.to_markdown(t) for t in pick(data, table))
    return {SUFFIX: f"## {escape.markdown(title)}\n\n{head}\n\n{body}\n"}
