"""What the table formats share: choosing tables and the header lines above them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from peftbench.errors import UserError
from peftbench.reports import tables
from peftbench.reports.retention import curve_table, retention_table


def all_tables(data: dict[str, Any]) -> list[tables.Table]:
    """Every table of the report, in order (those without rows left out)."""
    t = tables
    out = [t.main_table(data), t.efficiency_table(data), t.stability_table(data)]
    out += [x for x in (retention_table(data), curve_table(data)) if x is not None]
    out += [x for x in (t.profiles_table(data), t.constraints_table(data)) if x is not None]
    out += [x for x in (t.sensitivity_summary(data),) if x is not None]
    out += t.sensitivity_tables(data)
    out += [x for x in (t.problems_table(data),) if x is not None]
    return out


def pick(view: Mapping[str, Any], table: str) -> list[tables.Table]:
    found = [t for t in all_tables(dict(view)) if table == "all" or t.key.startswith(table)]
    if not found:
        raise UserError(
            f"this results folder has no '{table}' table",
            "the sensitivity table needs successful runs; problems only exist when runs failed, "
            "are damaged or are missing",
        )
    return found


def header(view: Mapping[str, Any]) -> tuple[str, list[str]]:
    """A title, and what a reader must know before the tables: counts, partial grids."""
    c = view["counts"]
    expected = f" of {c['expected']} expected" if c["expected"] is not None else ""
    name = (view["suite"] or {}).get("name", view["results_dir"])
    damaged = f", {c['damaged']} damaged (left out)" if c.get("damaged") else ""
    lines = [f"{c['ok']} runs ok, {c['failed']} failed, {c['missing']} missing{expected}{damaged}"]
    lines += [f"note: {n}" for n in view.get("notes", [])]
    return f"peftbench results '{name}'", lines
