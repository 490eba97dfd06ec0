"""Execution backends: how the pending cells of a grid get run.

`local` runs each cell in its own forked process (crash and memory isolation, clean peak-memory
figures); `inline` runs them in this process (debugging, profiling).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from peftbench.backends.inline import run_inline
from peftbench.backends.local import run_local

# (runs, store, ctx, progress) -> None; each run commits its own record.
Backend = Callable[[Sequence[Any], Any, Any, bool], None]

BACKENDS: dict[str, Backend] = {"local": run_local, "inline": run_inline}
