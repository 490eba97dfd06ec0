"""The report formats: one module per format in this package, named as `--format` takes it.

Each module has `SUFFIX` (the file name's ending) and `render(data, table) -> {suffix: text}`,
a function of the report data (reports/collect.py: the board and what only reports show). The
CLI lists the formats from the module names here without importing them, so `peftbench --help`
stays light; a new format is one new file.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING

from peftbench.errors import UserError, did_you_mean

if TYPE_CHECKING:
    from peftbench.reports.collect import ReportData

Renderer = Callable[["ReportData", str], dict[str, str]]

# which tables `--table` picks (md, csv, latex); "all" = every table the data has
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


def names() -> list[str]:
    """Every format, from this package's module names (nothing is imported)."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def module(name: str) -> ModuleType:
    if name not in names():
        raise UserError(
            f"unknown report format '{name}'{did_you_mean(name, names())}",
            f"choose one of {', '.join(names())}",
        )
    return importlib.import_module(f"{__name__}.{name}")


def renderer(name: str) -> Renderer:
    """The render function of format `name`."""
    render: Renderer = module(name).render
    return render
