"""A row's measured inputs, S P L M F R, from its ok records (docs/measurements.md).

S = mean task score over the row's datasets (and seeds); P = trainable parameters; L = the
model's reference base latency x (1 + the row's slowdown over its latency runs: board/latency.py);
M = median peak training memory over its runs (robust: it does not grow with the grid, as the
maximum did); F = mean extra TFLOPs; R = retention change on general tasks (board/stability.py).
The result is a plain mapping that scoring/ (PSCP, sensitivity, profiles, limits) reads; the
board freezes it into a `Row`.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from peftbench.board.latency import row_latency
from peftbench.board.stability import row_stability
from peftbench.board.uncertainty import method_role
from peftbench.results.record import RunRecord


def row_inputs(
    model: str,
    method: str,
    runs: Sequence[RunRecord],
    datasets: Sequence[str],
    reference: dict[str, Any] | None,
) -> dict[str, Any]:
    """The row's figures before PSCP: scores, costs, latency and stability."""
    per_task: dict[str, list[float]] = defaultdict(list)
    for r in runs:
        per_task[r.dataset].append(r.score)
    scores = {d: statistics.fmean(v) for d, v in per_task.items()}
    eff = [r.eff for r in runs]
    return {
        "model": model,
        "method": method,
        "baseline": method_role(method)[0],
        "scores": {d: scores.get(d) for d in datasets},
        "score": statistics.fmean(scores.values()),
        "complete": all(d in scores for d in datasets),
        "runs": len(runs),
        "trainable_params": max(e.trainable_params for e in eff),
        "trainable_pct": max(e.trainable_pct for e in eff),
        "peak_train_mem_mb": statistics.median(e.peak_train_mem_mb for e in eff),
        "extra_tflops": statistics.fmean(e.extra_tflops or 0.0 for e in eff),
        "invalid_rate": statistics.fmean(r.metrics.invalid_rate for r in runs if r.metrics),
        **row_stability(runs),
        **row_latency(runs, reference),
    }
