"""The one fixed-width table printer (terminal listings, the text leaderboard, report tables)."""

from __future__ import annotations

from collections.abc import Sequence


def fixed_width(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    right: Sequence[bool] | None = None,
    markdown: bool = False,
) -> str:
    """Columns padded to their widest cell, a rule under the header.

    `right`: per column, align right (numbers). `markdown`: pipes around cells, so the text is
    also a valid Markdown table; otherwise two spaces between columns and no trailing blanks.
    """
    grid = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in grid) for i in range(len(header))]
    right = right or [False] * len(header)

    def cells(row: list[str]) -> list[str]:
        pairs = zip(row, widths, right, strict=True)
        return [c.rjust(w) if r else c.ljust(w) for c, w, r in pairs]

    if markdown:
        lines = ["| " + " | ".join(cells(row)) + " |" for row in grid]
        lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    else:
        lines = ["  ".join(cells(row)).rstrip() for row in grid]
        lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
