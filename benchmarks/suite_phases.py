"""Where a suite's time went: per-phase seconds summed over its runs, per method and dataset.

Reads every run's `status.json` (`phase_seconds`, `wall_seconds`) in a results folder, so it
works on the output of `make bench` (results/default) or any `peftbench run --out DIR`. Prints a
table per (dataset, method) and the totals by phase, plus the machine load the latency
measurements recorded (the 1-minute load average: on a 2-core machine anything above 2 means
other work was competing for the CPU).

    python benchmarks/suite_phases.py results/default
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

PHASES = ("data", "load", "train", "eval", "measure", "stability")


def main(root: str) -> None:
    rows = []
    loads: list[float] = []
    for status_file in sorted(Path(root, "runs").glob("*/status.json")):
        status = json.loads(status_file.read_text())
        config = json.loads((status_file.parent / "config.json").read_text())
        eff_file = status_file.parent / "efficiency.json"
        probes = 0.0
        if eff_file.is_file():
            eff = json.loads(eff_file.read_text())
            loads += [v for v in (eff.get("latency_load_avg_1min"),) if v is not None]
            probes = float(eff.get("probe_seconds") or 0.0)
        rows.append((config["dataset"], config["method"], status, probes))
    totals: dict[str, float] = defaultdict(float)
    head = " ".join(f"{p:>9s}" for p in PHASES)
    print(f"{'dataset':12s} {'method':14s} {head}    probes    wall")
    for dataset, method, status, probes in rows:
        phases = status.get("phase_seconds", {})
        for p in PHASES:
            totals[p] += phases.get(p, 0.0)
        totals["wall"] += status.get("wall_seconds", 0.0)
        totals["probes"] += probes
        cells = " ".join(f"{phases.get(p, 0.0):9.1f}" for p in PHASES)
        wall = status.get("wall_seconds", 0.0)
        print(f"{dataset:12s} {method:14s} {cells} {probes:9.1f} {wall:7.1f}")
    sums = " ".join(f"{totals[p]:9.1f}" for p in PHASES)
    print(f"{'total':27s} {sums} {totals['probes']:9.1f} {totals['wall']:7.1f}")
    print("probes: learning-curve points and validation, inside `train`")
    if loads:
        print(
            f"load average during latency measurement: median {statistics.median(loads):.1f}, "
            f"max {max(loads):.1f}"
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "results/default")
