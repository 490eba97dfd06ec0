"""Acceptance of the paired latency protocol on a deliberately noisy machine (issue 11 section 1).

Starts a CPU-bound process of its own (`while True: pass`) next to the measurement, then runs
real cells of the default suite through the one cell path (`cell.run_cell`), with a tiny
training budget (the trained weights do not matter for latency), and checks:

  (a) `frozen` (its "adapted" model *is* the base model) and merged LoRA (the base architecture
      with the adapter folded in) get a slowdown whose 95 % interval contains 0 and whose point
      estimate is within +-3 %;
  (b) three repeats of the same unmerged-LoRA cell give slowdown point estimates within 5
      percentage points of each other.

The burner is stopped (by its own pid) whatever happens. Prints one line per cell and a JSON
summary; exits 1 when a check fails.

    python benchmarks/paired_latency.py [--dataset arithmetic] [--repeats 3] [--no-burner]
        [--set measurement.latency.max_seconds=20 ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SLOWDOWN_KEYS = ("slowdown", "prefill_slowdown")


def start_burner() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def stop(proc: subprocess.Popen | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def figure(eff: dict[str, Any], key: str) -> dict[str, Any]:
    return {
        "pct": eff.get(f"{key}_pct"),
        "ci": [eff.get(f"{key}_ci_low_pct"), eff.get(f"{key}_ci_high_pct")],
        "halfwidth_pp": eff.get(f"{key}_halfwidth_pp"),
    }


def summary(eff: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "pairs": eff["latency_pairs"],
        "ended_by": eff["latency_ended_by"],
        "seconds": round(eff["latency_seconds"], 1),
        "load_avg_1min": [eff["latency_load_avg_1min"], eff["latency_load_avg_1min_end"]],
        "cpu_share": eff["latency_cpu_share"],
        "base_ms_per_token": eff["base_latency_ms_per_token"],
    }
    for key in SLOWDOWN_KEYS:
        out[key] = figure(eff, key)
        if eff.get("merged"):
            out["merged_" + key] = figure(eff, "merged_" + key)
    return out


def contains_zero_and_small(fig: dict[str, Any], limit_pct: float = 3.0) -> bool:
    lo, hi = fig["ci"]
    return lo is not None and hi is not None and lo <= 0.0 <= hi and abs(fig["pct"]) <= limit_pct


def fmt(fig: dict[str, Any]) -> str:
    lo, hi = fig["ci"]
    if lo is None:
        return f"{fig['pct']:+.2f}% (no CI)"
    return f"{fig['pct']:+.2f}% [{lo:+.2f}, {hi:+.2f}]"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", default="default")
    ap.add_argument("--dataset", default="arithmetic")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-burner", action="store_true", help="measure without the CPU burner")
    ap.add_argument("--set", action="append", default=[], help="extra suite override")
    args = ap.parse_args()

    from peftbench.cache import cache_dir
    from peftbench.cell import run_cell
    from peftbench.datasets import LoadContext
    from peftbench.results.record import read_run
    from peftbench.results.store import ResultsStore
    from peftbench.suite import expand, load_suite

    overrides = [
        "methods=[frozen, lora]",
        f"datasets=[{args.dataset}]",
        "training.max_steps=2",
        "evaluation.max_eval_examples=8",
        *args.set,
    ]
    specs = {s.method: s for s in expand(load_suite(args.suite, overrides))}
    ctx = LoadContext(cache_dir())
    plan = [("frozen", specs["frozen"])] + [("lora", specs["lora"])] * args.repeats
    cells: list[dict[str, Any]] = []
    burner = None if args.no_burner else start_burner()
    started = time.time()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for i, (name, spec) in enumerate(plan):
                store = ResultsStore(Path(tmp) / f"r{i}")
                status = run_cell(spec, store, ctx, progress=False)
                if not status.ok:
                    print(f"{name}: run failed: {status.error}", file=sys.stderr)
                    return 1
                eff = read_run(store.run_dir(spec.run_id)).eff.to_json()
                if eff.get("latency_reused_from"):  # each repeat must be timed, not copied
                    print(f"{name}: latency was reused, not timed", file=sys.stderr)
                    return 1
                cell = {"method": name, **summary(eff)}
                cells.append(cell)
                merged = (
                    f"  merged {fmt(cell['merged_slowdown'])}" if "merged_slowdown" in cell else ""
                )
                print(
                    f"{name:7s} decode {fmt(cell['slowdown'])}  prefill "
                    f"{fmt(cell['prefill_slowdown'])}{merged}  pairs {cell['pairs']} "
                    f"({cell['ended_by']}, {cell['seconds']} s) load {cell['load_avg_1min']} "
                    f"cpu share {cell['cpu_share']:.2f}",
                    flush=True,
                )
    finally:
        stop(burner)

    frozen, loras = cells[0], cells[1:]
    points = [c["slowdown"]["pct"] for c in loras]
    checks = {
        "a_frozen_contains_0_within_3pct": contains_zero_and_small(frozen["slowdown"]),
        "a_merged_lora_contains_0_within_3pct": all(
            contains_zero_and_small(c["merged_slowdown"]) for c in loras
        ),
        "b_unmerged_lora_repeats_within_5pp": max(points) - min(points) <= 5.0,
    }
    report = {
        "suite": args.suite,
        "dataset": args.dataset,
        "burner": not args.no_burner,
        "cpus": os.cpu_count(),
        "wall_seconds": round(time.time() - started, 1),
        "unmerged_lora_points_pct": points,
        "unmerged_lora_spread_pp": max(points) - min(points),
        "checks": checks,
        "cells": cells,
    }
    print(json.dumps(report, indent=2))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
