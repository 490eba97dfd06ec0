"""`peftbench report`: render a results folder as HTML, Markdown, CSV, LaTeX or JSON files.

Every format is written next to the results by default (report.html, report.md, report.tex,
report.json, report-<table>.csv) and the paths are returned; `-` as the output prints instead.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from peftbench.errors import UserError
from peftbench.reports import tables
from peftbench.reports.collect import collect
from peftbench.results.atomic import make_parent, write_text
from peftbench.results.folder import read_folder
from peftbench.scoring.constraints import Constraints
from peftbench.scoring.profiles import scoring_for

FORMATS = ("html", "md", "csv", "latex", "json")
TABLES = (
    "all",
    "main",
    "efficiency",
    "stability",
    "profiles",
    "constraints",
    "sensitivity",
    "problems",
)


def pick(data: dict[str, Any], table: str) -> list[tables.Table]:
    found = [t for t in tables.all_tables(data) if table == "all" or t.key.startswith(table)]
    if not found:
        raise UserError(
            f"this results folder has no '{table}' table",
            "the sensitivity table needs successful runs; problems only exist when runs failed, "
            "are damaged or are missing",
        )
    return found


def header(data: dict[str, Any]) -> tuple[str, list[str]]:
    """A title, and what a reader must know before the tables: counts, partial grids."""
    c = data["counts"]
    expected = f" of {c['expected']} expected" if c["expected"] is not None else ""
    name = (data["suite"] or {}).get("name", data["results_dir"])
    damaged = f", {c['damaged']} damaged (left out)" if c.get("damaged") else ""
    lines = [f"{c['ok']} runs ok, {c['failed']} failed, {c['missing']} missing{expected}{damaged}"]
    lines += [f"note: {n}" for n in data.get("notes", [])]
    return f"peftbench results '{name}'", lines


def render(data: dict[str, Any], fmt: str, table: str = "all") -> dict[str, str]:
    """{file suffix: text}: one entry, or one per table for CSV (suffix '-<table>.csv')."""
    if fmt == "html":
        from peftbench.reports import html

        return {".html": html.render(data)}
    if fmt == "json":
        return {".json": json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"}
    chosen = pick(data, table)
    if fmt == "csv":
        return {f"-{t.key}.csv": tables.to_csv(t) for t in chosen}
    title, lines = header(data)
    if fmt == "md":
        head = "\n".join(f"_{line}_  " for line in lines)
        body = "\n\n".join(tables.to_markdown(t) for t in chosen)
        return {".md": f"## {title}\n\n{head}\n\n{body}\n"}
    if fmt == "latex":
        head = "\n".join(f"% {line}" for line in [title, *lines])
        body = "\n\n".join(tables.to_latex(t) for t in chosen)
        return {".tex": f"% needs \\usepackage{{booktabs}}\n{head}\n\n{body}\n"}
    raise UserError(f"unknown report format '{fmt}'", f"choose one of {', '.join(FORMATS)}")


def write_report(
    results_dir: Path,
    fmt: str = "html",
    out: Path | str | None = None,
    table: str = "all",
    profile: str | None = None,
    limits: Constraints | None = None,
) -> list[Path]:
    """Render and write; returns the paths written ([] when printed to stdout)."""
    folder = read_folder(Path(results_dir))
    data = collect(folder, scoring_for(folder.scoring, profile), limits)
    parts = render(data, fmt, table)
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


def write_html(results_dir: Path) -> Path:
    """The HTML report next to the results (what `peftbench run` leaves behind)."""
    return write_report(results_dir, "html")[0]
