"""Execution backends: how the pending cells of a grid get run.

`local` runs each cell in its own forked process (crash and memory isolation, clean peak-memory
figures); `inline` runs them in this process (debugging, profiling); `ray` runs each cell as a Ray
task with the suite's resource request, on a local or remote cluster (optional extra
`peftbench[ray]`). A backend may carry a `preflight()` attribute: a quick check (is its library
installed?) run before anything starts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from peftbench.backends.inline import run_inline
from peftbench.backends.local import run_local
from peftbench.backends.options import BackendOptions
from peftbench.backends.ray import run_ray

if TYPE_CHECKING:
    from peftbench.config.schema import RunSpec
    from peftbench.datasets.base import LoadContext
    from peftbench.results.store import ResultsStore

# (runs, store, ctx, progress, options) -> None; every run ends with a committed record.
Backend = Callable[[Sequence["RunSpec"], "ResultsStore", "LoadContext", bool, BackendOptions], None]

BACKENDS: dict[str, Backend] = {"local": run_local, "inline": run_inline, "ray": run_ray}

__all__ = ["BACKENDS", "Backend", "BackendOptions"]
