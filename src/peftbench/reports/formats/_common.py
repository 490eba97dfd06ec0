"""What the table formats share: choosing tables and the header lines above them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peftbench.errors import UserError
from peftbench.reports import tables
from peftbench.reports.retention import curve_table, retention_table

if TYPE_CHECKING:
    from peftbench.reports.collect import ReportData, ReportView


def all_tables(data: ReportData) -> list[tables.Table]:
    """Every table of the report, in order (those without rows left out)."""
    t = tables
    ret = data.view["retention"]
    out = [t.main_table(data), t.efficiency_table(data), t.stability_table(data)]
    out += [x for x in (retention_table(ret), curve_table(ret)) if x is not None]
    out += [x for x in (t.profiles_table(data), t.constraints_table(data)) if x is not None]
    out += [x for x in (t.sensitivity_summary(data),) if x is not None]
    out += t.sensitivity_tables(data)
    out += [x for x in (t.problems_table(data),) if x is not None]
    return out


def pick(data: ReportData, table: str) -> list[tables.Table]:
    found = [t for t in all_tables(data) if table == "all" or t.key.startswith(table)]
    if not found:
        raise UserError(
            f"this results folder has no '{table}' table",
            "the sensitivity table needs successful runs; problems only exist when runs failed, "
            "are damaged or are missing",
        )
    return found


def header(view: ReportView) -> tuple[str, list[str]]:
    """A title, and what a reader must know before the tables: counts, partial grids."""
    c = view["counts"]
    expected = f" of {c['expected']} expected" if c["expected"] is not None else ""
    name = view["suite"]["name"] if view["suite"] else view["results_dir"]
    damaged = f", {c['damaged']} damaged (left out)" if c["damaged"] else ""
    lines = [f"{c['ok']} runs ok, {c['failed']} failed, {c['missing']} missing{expected}{damaged}"]
    lines += [f"note: {n}" for n in view["notes"]]
    return f"peftbench results '{name}'", lines
