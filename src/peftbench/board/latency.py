"""A leaderboard row's latency: the grid's reference base latency x (1 + the pooled slowdown).

Defined once here for the leaderboard's L column and for the PSCP ties (`reports.uncertainty`),
which resample the same pairs.

Pairs are pooled over the *distinct* paired runs of a row. With latency reuse
(`efficiency.latency_cache`) several cells of one method carry a copy of the same paired run;
counting the copies would count one run several times and narrow the interval for nothing. A
run is identified by the cell that measured it (`latency_reused_from`, else the cell's own id),
and each is counted once. The model's reference base latency is the median over the same
distinct runs.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from peftbench.board.inputs import LatencyFigures
from peftbench.board.model import LatencyReference, Pair
from peftbench.efficiency.paired import (
    Pairs,
    RunsSlowdown,
    grid_latency,
    reference_latency,
    runs_slowdown,
)
from peftbench.results.record import Efficiency, RunRecord


def distinct_timings(runs: Sequence[RunRecord]) -> list[RunRecord]:
    """One record per paired latency run: copies made by latency reuse are dropped (the first
    record of each measuring cell, in run-id order, stands for it)."""
    seen: dict[str, RunRecord] = {}
    for r in sorted(runs, key=lambda r: r.run_id):
        source = r.eff.get("latency_reused_from") or r.run_id
        seen.setdefault(str(source), r)
    return list(seen.values())


def latency_runs(runs: Sequence[RunRecord]) -> list[Pairs]:
    """(base, method) decode samples, pair by pair, of each of the row's distinct paired runs."""
    out: list[Pairs] = []
    for r in distinct_timings(runs):
        if r.eff.get("latency_pairs") is None:
            continue  # older protocol: base and method timed apart, no pairs
        b, o = r.eff.samples("base_latency_samples_ms"), r.eff.samples("latency_samples_ms")
        if b and o and len(b) == len(o):
            out.append((b, o))
    return out


def reference_latencies(ok: Sequence[RunRecord]) -> dict[str, LatencyReference]:
    """Per model: one reference base latency for the whole grid (median of every distinct paired
    run's base figure), so a method's L reflects its paired slowdown, not the moment it ran."""
    out = {}
    for model in sorted({r.model for r in ok}):
        runs = distinct_timings([r for r in ok if r.model == model])
        values = [r.eff.base_latency_ms_per_token for r in runs]
        kept = [v for v in values if v is not None]
        out[model] = LatencyReference(
            ms_per_token=reference_latency(kept), base_measurements=len(kept)
        )
    return out


def row_latency(runs: Sequence[RunRecord], reference: LatencyReference | None) -> LatencyFigures:
    """L of the row: reference base latency x (1 + the slowdown over the row's distinct latency
    runs), with the slowdown's 95 % interval (`latency_runs`: how many, `latency_noise`: what the
    interval counts); `latency_wide` flags an interval wider than allowed. Records without paired
    samples (older protocol) use the median of their recorded slowdowns."""
    eff = [r.eff for r in runs]
    if any(e.slowdown_pct is None or e.latency_ms_per_token is None for e in eff):
        return unmeasured_latency()  # an imported record without latency: missing, not zero
    timed = latency_runs(runs)
    pooled = runs_slowdown(timed) if timed else None
    slowdown = pooled.pct if pooled else statistics.median(recorded(eff, "slowdown_pct"))
    ref = reference.ms_per_token if reference else None
    latency = grid_latency(ref, slowdown)
    allowed = min((e.number("latency_max_halfwidth_pp") or 3.0) for e in eff)
    return {
        "latency_ms_per_token": (
            latency
            if latency is not None
            else statistics.median(recorded(eff, "latency_ms_per_token"))
        ),
        "slowdown_pct": slowdown,
        "slowdown_ci_pct": _interval(pooled),
        "slowdown_halfwidth_pp": pooled.halfwidth_pp if pooled else None,
        "slowdown_pairs": pooled.pairs if pooled else None,
        "latency_runs": pooled.runs if pooled else 0,
        "latency_noise": pooled.noise if pooled else None,
        "latency_wide": pooled is None
        or pooled.halfwidth_pp is None
        or pooled.halfwidth_pp > allowed,
        "latency_allowed_halfwidth_pp": allowed,
    }


def _interval(pooled: RunsSlowdown | None) -> Pair | None:
    """The slowdown's 95 % interval; None also when too few pairs gave none (it was [null,
    null] in leaderboard.json, against its schema: [low, high] or null)."""
    if pooled is None or pooled.ci_low_pct is None or pooled.ci_high_pct is None:
        return None
    return (pooled.ci_low_pct, pooled.ci_high_pct)


def recorded(eff: Sequence[Efficiency], key: str) -> list[float]:
    """The figure `key` of every record that has it (row_latency asks only rows where all do)."""
    values = (e.number(key) for e in eff)
    return [float(v) for v in values if v is not None]


def unmeasured_latency() -> LatencyFigures:
    """A row with a record that never measured latency (imported): every latency figure
    missing (None), not a figure of some of its runs, so tables print "-" and PSCP leaves the L
    term out (scoring.pscp.left_out)."""
    return {
        "latency_ms_per_token": None,
        "slowdown_pct": None,
        "slowdown_ci_pct": None,
        "slowdown_halfwidth_pp": None,
        "slowdown_pairs": None,
        "latency_runs": 0,
        "latency_noise": None,
        "latency_wide": False,
        "latency_allowed_halfwidth_pp": None,
    }
