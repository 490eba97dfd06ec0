"""`peftbench report`: render a results folder in one of the formats of reports/formats/.

Every format is written next to the results by default (report.html, report.md, report.tex,
report.json, report-<table>.csv) and the paths are returned; `-` as the output prints instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

from peftbench.board.model import Board
from peftbench.errors import UserError
from peftbench.reports import formats
from peftbench.reports.collect import ReportData, collect
from peftbench.results.atomic import make_parent, write_text
from peftbench.results.folder import read_folder
from peftbench.scoring.constraints import Constraints
from peftbench.scoring.profiles import scoring_for


def render(data: ReportData, fmt: str, table: str = "all") -> dict[str, str]:
    """{file suffix: text}: one entry, or one per table for CSV (suffix '-<table>.csv')."""
    return formats.renderer(fmt)(data, table)


def write_report(
    results_dir: Path,
    fmt: str = "html",
    out: Path | str | None = None,
    table: str = "all",
    profile: str | None = None,
    limits: Constraints | None = None,
    board: Board | None = None,
) -> list[Path]:
    """Render and write; returns the paths written ([] when printed to stdout). `board`: the
    folder's board under its own scoring, when the caller has built it (`run`)."""
    render_fn = formats.renderer(fmt)  # an unknown format fails before any reading
    folder = read_folder(Path(results_dir))
    data = collect(folder, scoring_for(folder.scoring, profile), limits, board)
    parts = render_fn(data, table)
    if str(out) == "-":
        if len(parts) > 1:
            raise UserError(
                "CSV to stdout takes one table",
                "add --table main (or efficiency, stability, ...), or write files",
            )
        sys.stdout.write(next(iter(parts.values())))
        return []
    if out is not None and len(parts) == 1:
        targets = [Path(out)]
    else:  # default names, or one file per table next to the given name (minus its suffix)
        base = Path(results_dir) / "report" if out is None else Path(out).with_suffix("")
        targets = [Path(f"{base}{suffix}") for suffix in parts]
    written = []
    for path, text in zip(targets, parts.values(), strict=True):
        make_parent(path)
        written.append(write_text(path, text))
    return written


def write_html(results_dir: Path, board: Board | None = None) -> Path:
    """The HTML report next to the results (what `peftbench run` leaves behind)."""
    return write_report(results_dir, "html", board=board)[0]
