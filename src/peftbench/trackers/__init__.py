"""Experiment trackers (`report_to` in a suite): MLflow, Weights & Biases, TensorBoard.

One module per tracker, each registering one `Tracker` (trackers/base.py); a new tracker is one
more module, found by the registry. `check_installed` runs before anything starts (preflight), so
asking for a tracker whose library is missing exits 2 with the pip command; `report.report_run`
logs each committed run (cell.run_cell, after the record is on disk; docs/trackers.md).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable

from peftbench.errors import UserError
from peftbench.registry import Registry
from peftbench.trackers.base import Tracker

TRACKERS: Registry[Tracker] = Registry("tracker", "peftbench.trackers")


def register(tracker: Tracker) -> Tracker:
    return TRACKERS.register(tracker)


def installed(module: str) -> bool:
    """Whether `module` can be imported, without importing it (a tracker library takes seconds
    to import); a module set to None in sys.modules counts as missing, as Python treats it."""
    if module in sys.modules:
        return sys.modules[module] is not None
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def check_installed(names: Iterable[str]) -> None:
    """Exit 2 up front when a tracker the suite reports to cannot be imported here."""
    for name in names:
        tracker = TRACKERS.get(name)
        if not installed(tracker.module):
            raise UserError(
                f"'report_to' lists '{name}', but its library ({tracker.module}) is not "
                "installed in this environment",
                tracker.install + ", or remove it from report_to",
            )


__all__ = ["TRACKERS", "Tracker", "check_installed", "installed", "register"]
