"""A row's costs beyond the ranked columns: forward FLOPs (and the tokens they are for),
adapter size on disk, training time and speed, prefill time, where memory was measured."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from peftbench.board.model import Costs
from peftbench.results.record import RunRecord


def costs_of(runs: Sequence[RunRecord]) -> Costs:
    """Medians over the row's runs (None where no run recorded the figure)."""
    eff = [r.eff for r in runs]

    def med(key: str) -> float | None:
        vals = [v for e in eff if isinstance(v := e.get(key), int | float)]
        return statistics.median(vals) if vals else None

    return Costs(
        flops=med("flops"),
        flops_tokens=med("flops_tokens"),
        adapter_bytes=med("adapter_bytes"),
        train_seconds=med("train_seconds"),
        tokens_per_second=med("tokens_per_second"),
        prefill_ms=med("prefill_ms"),
        memory_kind=tuple(sorted({str(e.memory_kind) for e in eff if e.memory_kind})),
        device=tuple(sorted({str(e.device) for e in eff if e.device})),
    )
