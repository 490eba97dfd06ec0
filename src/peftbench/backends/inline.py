"""Run every cell in the current process, one after the other."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from peftbench.backends.progress import grid_bar
from peftbench.cell import run_cell

if TYPE_CHECKING:
    from peftbench.backends.options import BackendOptions
    from peftbench.config.schema import RunSpec
    from peftbench.datasets.base import LoadContext
    from peftbench.results.record import Status
    from peftbench.results.store import ResultsStore


def run_inline(
    runs: Sequence[RunSpec],
    store: ResultsStore,
    ctx: LoadContext,
    progress: bool,
    options: BackendOptions | None = None,
) -> None:
    """`options` (resources, address) mean nothing for in-process runs."""

    with grid_bar(len(runs), progress) as bar:
        for spec in runs:
            bar.set_postfix_str(f"{spec.method} on {spec.dataset}")
            status = run_cell(spec, store, ctx, progress, options.tracking if options else None)
            bar.write(_line(spec, status))
            bar.update(1)


def _line(spec: RunSpec, status: Status) -> str:
    if status.ok:
        return (
            f"  ok      {spec.method:<16} {spec.dataset:<14} seed {spec.seed}: "
            f"score {status.score or 0.0:.1f} ({status.wall_seconds:.0f}s)"
        )
    return f"  FAILED  {spec.method:<16} {spec.dataset:<14} seed {spec.seed}: {status.error}"
