"""CSV: one file per table (report-<table>.csv), plain values for spreadsheets and pandas."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peftbench.reports import tables
from peftbench.reports.formats._common import pick

if TYPE_CHECKING:
    from peftbench.reports.collect import ReportData

SUFFIX = ".csv"


def render(data: ReportData, table: str = "all") -> dict[str, str]:
    return {f"-{t.key}{SUFFIX}": tables.to_csv(t) for t in pick(data, table)}
