"""LaTeX: booktabs tables for a paper, the folder's title and counts as comments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peftbench.reports import escape, tables
from peftbench.reports.formats._common import header, pick

if TYPE_CHECKING:
    from peftbench.reports.collect import ReportData

SUFFIX = ".tex"


def render(data: ReportData, table: str = "all") -> dict[str, str]:
    title, lines = header(data.view)
    # a comment ends at the line's end: control characters (a newline) are made visible
    head = "\n".join(f"% {escape.terminal(line)}" for line in [title, *lines])
    body = "\n\n".join(tables.to_latex(t) for t in pick(data, table))
    return {SUFFIX: f"% needs \\usepackage{{booktabs}}\n{head}\n\n{body}\n"}
