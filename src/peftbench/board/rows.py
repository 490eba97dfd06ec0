"""A row's measured inputs, S P L M F R, from its ok records (docs/measurements.md).

S = mean task score over the row's datasets (and seeds); P = trainable parameters; L = the
model's reference base latency x (1 + the row's slowdown over its latency runs: board/latency.py);
M = median peak training memory over its runs (robust: it does not grow with the grid, as the
maximum did); F = mean extra TFLOPs over the runs that counted them; R = retention change on
general tasks (board/stability.py). A figure no run of the row measured (imported records: HF
peft's results have no latency or FLOPs) is None, never 0. The result is a typed mapping
(board/inputs.py) that scoring/ (PSCP, sensitivity, profiles, limits) reads; the board freezes it
into a `Row`.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence

from peftbench.board.inputs import RowInputs
from peftbench.board.latency import row_latency
from peftbench.board.model import LatencyReference
from peftbench.board.stability import row_stability
from peftbench.board.uncertainty import method_role
from peftbench.results.record import RunRecord


def row_inputs(
    model: str,
    method: str,
    runs: Sequence[RunRecord],
    datasets: Sequence[str],
    reference: LatencyReference | None,
) -> RowInputs:
    """The row's figures before PSCP (None until the board scores the model's rows): scores,
    costs, latency and stability."""
    per_task: dict[str, list[float]] = defaultdict(list)
    for r in runs:
        per_task[r.dataset].append(r.score)
    scores = {d: statistics.fmean(v) for d, v in per_task.items()}
    eff = [r.eff for r in runs]
    return {
        "model": model,
        "method": method,
        "baseline": method_role(method)[0] or all(imported_reference(r) for r in runs),
        "scores": {d: scores.get(d) for d in datasets},
        "score": statistics.fmean(scores.values()),
        "complete": all(d in scores for d in datasets),
        "runs": len(runs),
        "trainable_params": max(e.trainable_params for e in eff),
        "trainable_pct": max(e.trainable_pct for e in eff),
        "peak_train_mem_mb": statistics.median(e.peak_train_mem_mb for e in eff),
        "extra_tflops": mean_known([e.extra_tflops for e in eff]),
        "invalid_rate": statistics.fmean(r.metrics.invalid_rate for r in runs if r.metrics),
        "sources": tuple(sorted({r.source for r in runs})),
        **row_stability(runs),
        **row_latency(runs, reference),
        "pscp": None,
        "pscp_paper": None,
    }


def imported_reference(run: RunRecord) -> bool:
    """An imported run its source marks as a reference, not a PEFT method (HF peft's full
    fine-tuning): a baseline row like our `full`, outside PSCP and the ties."""
    imported = run.config.settings.get("imported") if run.config else None
    return isinstance(imported, dict) and imported.get("baseline") is True


def mean_known(values: Sequence[float | None]) -> float | None:
    """The mean of the runs that measured a figure; None (missing, never 0) when none did."""
    known = [v for v in values if v is not None]
    return statistics.fmean(known) if known else None
