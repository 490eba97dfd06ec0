"""A row's retention (R) and drift over its runs (docs/measurements.md, Stability).

Every run of a row scores the same general-task items, and the base model's answers to them are
the same (one cache per model), so the runs' retention errors are positively correlated: the
combination sqrt(sum h_i^2) / k of schema 1 treated them as independent and covered 0.845-0.870
with 3 runs. Here the runs are combined by a **joint bootstrap over the shared items**: per
general task one item draw, shared by every run that measured it; in replicate b a run's change
is the mean over its tasks of (adapted - base) on the drawn items, and the row's is the mean over
its runs. The interval is the 2.5-97.5 percentile of those replicates, and the same replicates
enter the PSCP replicates as R (board/uncertainty.py).

Runs recorded before per-item retention scores (or on a whole-set metric) have only their own
interval: those rows combine the half-widths as if the runs were perfectly correlated (the mean
of the half-widths: never narrower than the truth), and their replicates for PSCP are normal
draws with that interval.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from peftbench.board.inputs import StabilityFigures
from peftbench.results.record import RunRecord, Stability
from peftbench.scoring.intervals import REPLICATES, draw_items, percentile, stream_seed

# per task, per item: (base score, adapted score) lists of one run
ItemScores = Mapping[str, tuple[Sequence[float], Sequence[float]]]


def item_scores(
    retention: Mapping[str, object],
) -> dict[str, tuple[list[float], list[float]]] | None:
    """A run's per-item retention scores by task (stability.json's retention block), or None
    when a task lacks them."""
    out = {}
    tasks = retention.get("tasks") or {}
    if not isinstance(tasks, Mapping):
        return None
    for name, task in tasks.items():
        items = task.get("item_scores") if isinstance(task, dict) else None
        if not items or not isinstance(items, Mapping):
            return None
        base, adapted = _scores(items.get("base")), _scores(items.get("adapted"))
        if base is None or adapted is None or len(base) != len(adapted):
            return None
        out[str(name)] = (base, adapted)
    return out or None


def _scores(values: object) -> list[float] | None:
    """A list of item scores, or None when `values` is not one."""
    if not isinstance(values, list) or not all(isinstance(x, int | float) for x in values):
        return None
    return [float(x) for x in values]


def joint_replicates(
    runs: Sequence[ItemScores], replicates: int, seed: int
) -> NDArray[np.float64] | None:
    """(replicates,) joint-bootstrap replicates of the mean over runs of each run's mean over
    its tasks of (adapted - base); None when runs disagree on a task's number of items."""
    sizes: dict[str, int] = {}
    for run in runs:
        for task, (base, _) in run.items():
            if sizes.setdefault(task, len(base)) != len(base):
                return None
    draws = {
        t: draw_items(n, replicates, stream_seed("retention", t, seed=seed))
        for t, n in sorted(sizes.items())
    }
    per_run = []
    for run in runs:
        deltas = [
            np.asarray(adapted, dtype=float)[draws[t]].mean(axis=1)
            - np.asarray(base, dtype=float)[draws[t]].mean(axis=1)
            for t, (base, adapted) in sorted(run.items())
        ]
        per_run.append(np.mean(deltas, axis=0))
    return np.asarray(np.mean(per_run, axis=0))


def _measured(runs: Sequence[RunRecord]) -> list[Stability]:
    """The stability parts of the runs that measured retention."""
    return [
        r.stability for r in runs if r.stability is not None and r.stability.retention is not None
    ]


def _joint(kept: Sequence[Stability], replicates: int, seed: int) -> NDArray[np.float64] | None:
    scores = [item_scores(k.retention or {}) for k in kept]
    if not scores or any(s is None for s in scores):
        return None
    return joint_replicates([s for s in scores if s is not None], replicates, seed)


def retention_interval(runs: Sequence[RunRecord]) -> tuple[float, tuple[float, float]] | None:
    """(mean retention change over the runs, its 95 % interval), None when not measured."""
    kept = _measured(runs)
    if not kept:
        return None
    mean = statistics.fmean(_delta(k) for k in kept)
    if len(kept) == 1:
        return mean, _ci95(kept[0])
    reps = _joint(kept, REPLICATES, 0)
    if reps is not None:
        return mean, (percentile(reps, 2.5), percentile(reps, 97.5))
    below = statistics.fmean(_delta(k) - _ci95(k)[0] for k in kept)
    above = statistics.fmean(_ci95(k)[1] - _delta(k) for k in kept)
    return mean, (mean - below, mean + above)


def _delta(kept: Stability) -> float:
    delta = kept.retention_delta
    assert delta is not None  # `_measured` keeps the runs with a retention block
    return delta


def _ci95(kept: Stability) -> tuple[float, float]:
    ci = kept.retention_ci95
    assert ci is not None  # `_measured` keeps the runs with a retention block
    return ci


def retention_replicates(
    runs: Sequence[RunRecord], replicates: int, seed: int
) -> NDArray[np.float64] | None:
    """Replicates of the row's retention change, for PSCP's R (module docstring)."""
    kept = _measured(runs)
    if not kept:
        return None
    reps = _joint(kept, replicates, 0)
    if reps is not None:
        return reps
    found = retention_interval(runs)
    assert found is not None
    mean, (lo, hi) = found
    from statistics import NormalDist

    order = np.random.default_rng(seed).permutation(replicates)
    z = np.array([NormalDist().inv_cdf((i + 0.5) / replicates) for i in order])
    return np.asarray(mean + (hi - lo) / (2 * 1.959964) * z)


def row_stability(runs: Sequence[RunRecord]) -> StabilityFigures:
    """Retention and drift of a row: means over the runs that measured them, the retention's
    interval by the joint bootstrap (module docstring)."""
    measured = [r.stability for r in runs if r.stability is not None]
    ppl = [p for s in measured if (p := s.ppl_delta_pct) is not None]
    kl = [k for s in measured if (k := s.kl_mean) is not None]
    found = retention_interval(runs)
    return {
        "retention_delta": found[0] if found else None,
        "retention_ci95": found[1] if found else None,
        "ppl_delta_pct": statistics.fmean(ppl) if ppl else None,
        "kl_mean": statistics.fmean(kl) if kl else None,
    }
