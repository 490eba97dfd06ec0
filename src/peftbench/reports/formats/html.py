"""HTML: one self-contained page (reports/html.py; the template autoescapes every value)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peftbench.reports.collect import ReportData

SUFFIX = ".html"


def render(data: ReportData, table: str = "all") -> dict[str, str]:
    from peftbench.reports import html

    return {SUFFIX: html.render(data)}
