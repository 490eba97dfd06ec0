"""Execution backends: how the pending cells of a grid get run.

`local` runs each cell in its own forked process (crash and memory isolation, clean peak-memory
figures); `inline` runs them in this process (debugging, profiling); `ray` runs each cell as a Ray
task with the suite's resource request, on a local or remote cluster (optional extra
`peftbench[ray]`). A backend may carry a `preflight()` attribute: a quick check (is its library
installed?) run before anything starts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from peftbench.backends.inline import run_inline
from peftbench.backends.local import run_local
from peftbench.backends.options import BackendOptions
from peftbench.backends.ray import run_ray

# (runs, store, ctx, progress, options) -> None; every run ends with a committed record.
Backend = Callable[[Sequence[Any], Any, Any, bool, BackendOptions], None]

BACKENDS: dict[str, Backend] = {"local": run_local, "inline": run_inline, "ray": run_ray}

__all__ = ["BACKENDS", "Backend", "BackendOptions"]
