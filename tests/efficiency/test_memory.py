"""Peak training memory: the reset that keeps earlier work out of a figure, and isolation of runs
in one grid (the local backend runs each in its own process).

The grid test runs, through the real local backend, a memory-hungry run (LoRA of rank 8192 on
the tiny model: about 100 MB of adapter weights, gradients and Adam state) followed by a small
run, then the small run again alone in a fresh results folder. The small run's figure must be
its own: the same as when it runs alone, and well below the big run's. (On this machine even the
small run shows ~60 MB: shared-library code paged in by the first backward pass of a fresh
process, the same for every method; recorded as `rss_file_growth_mb`.)
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest

from peftbench.backends.local import run_local
from peftbench.datasets import LoadContext
from peftbench.efficiency.memory import MemoryProbe, rss_mb
from peftbench.efficiency.units import unit_of
from peftbench.results.store import ResultsStore
from peftbench.suite import expand, load_suite

BALLAST_MB = 200


def test_probe_forgets_what_the_process_used_before() -> None:
    ballast = bytearray(BALLAST_MB * 2**20)  # touched: resident
    del ballast
    probe = MemoryProbe.start("cpu")
    got = probe.peak()
    assert probe.reset_ok, "this kernel refused /proc/self/clear_refs"
    assert got["peak_train_mem_mb"] < BALLAST_MB / 4
    assert got["peak_rss_mb"] >= got["memory_baseline_mb"] - 1 == pytest.approx(rss_mb() - 1, 5)


def test_rearm_drops_peaks_before_training_but_keeps_the_baseline() -> None:
    probe = MemoryProbe.start("cpu")
    baseline = probe.baseline_mb
    kept = bytearray(50 * 2**20)  # "the model": stays resident, must be counted
    transient = bytearray(BALLAST_MB * 2**20)  # "base measurements": freed before training
    del transient
    probe.rearm()
    got = probe.peak()
    assert probe.baseline_mb == baseline
    assert 45 < got["peak_train_mem_mb"] < 50 + BALLAST_MB / 4
    assert "evaluation" in got["memory_excludes"]
    del kept


def _spec(base: Any, method: str, **params: Any) -> Any:
    return dataclasses.replace(base, method=method, method_params={**base.method_params, **params})


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    suite = load_suite(
        "smoke",
        [
            "methods=[lora, ia3]",
            "datasets=[toy-addition]",
            "training.max_steps=1",
            "evaluation.max_eval_examples=2",
            "measurement.latency={prompt_tokens: 8, new_tokens: 2, warmup: 0,"
            " min_pairs: 2, max_pairs: 2}",
            "measurement.flops_tokens=16",
        ],
    )
    lora, ia3 = expand(suite)
    big = _spec(lora, "lora", r=8192, lora_alpha=8192)
    root = tmp_path_factory.mktemp("grid")
    ctx = LoadContext(cache_dir=root / "cache")
    together, alone = ResultsStore(root / "together"), ResultsStore(root / "alone")
    run_local([big, ia3], together, ctx, progress=False)
    run_local([ia3], alone, ctx, progress=False)
    out = {"big": _raw(together, big.run_id), "small": _raw(together, ia3.run_id)}
    out["alone"] = _raw(alone, ia3.run_id)
    for name, rec in out.items():
        assert rec["status"]["status"] == "ok", (name, rec["status"].get("error"))
    return out


def _raw(store: ResultsStore, run_id: str) -> dict[str, Any]:
    """The run's status and efficiency files as written (the figures exactly, not re-typed)."""
    import json

    folder = store.run_dir(run_id)
    return {
        part: json.loads((folder / f"{part}.json").read_text()) for part in ("status", "efficiency")
    }


def test_second_run_in_a_grid_reports_its_own_peak(grid: dict[str, Any]) -> None:
    big = grid["big"]["efficiency"]["peak_train_mem_mb"]
    small = grid["small"]["efficiency"]["peak_train_mem_mb"]
    alone = grid["alone"]["efficiency"]["peak_train_mem_mb"]
    assert big - alone > 80, (big, alone)  # the ballast run really used more memory
    assert abs(small - alone) < 15, (small, alone)  # and none of it shows in the next run


def test_every_figure_in_a_record_has_unit_and_device(grid: dict[str, Any]) -> None:
    for rec in grid.values():
        eff = rec["efficiency"]
        figures = eff["figures"]
        numbers = [k for k, v in eff.items() if isinstance(v, int | float | list)]
        numbers = [k for k in numbers if not isinstance(eff[k], bool)]
        assert set(numbers) <= set(figures)
        for key, fig in figures.items():
            assert fig["unit"] and fig["unit"] == unit_of(key), key
            assert fig["device"] == eff["device_name"] and fig["device"].startswith("cpu (")
        assert eff["memory_kind"].startswith("cpu peak RSS")


def test_record_carries_base_and_merged_measurements(grid: dict[str, Any]) -> None:
    eff = grid["big"]["efficiency"]
    assert eff["latency_prompt_sha"] == eff["base_latency_prompt_sha"]
    assert len(eff["base_latency_samples_ms"]) == len(eff["latency_samples_ms"]) == 2
    assert eff["merged"] is True and eff["merged_flops"] == eff["base_flops"]
    assert eff["latency_pairs"] == 2 and eff["latency_ended_by"] == "max_pairs"
    ratios = sorted(
        a / b
        for a, b in zip(eff["latency_samples_ms"], eff["base_latency_samples_ms"], strict=True)
    )
    assert math.isclose(eff["slowdown_pct"], 100 * (sum(ratios) / 2 - 1))  # median of 2 pairs
    assert eff["slowdown_ci_low_pct"] is None and eff["slowdown_wide"] is True  # 2 pairs: no CI
    assert eff["extra_tflops"] > 0 and eff["inference_params"] == eff["trainable_params"]


def test_adapter_folder_is_in_the_record(grid: dict[str, Any], tmp_path: Path) -> None:
    eff = grid["small"]["efficiency"]
    assert eff["adapter_bytes"] > eff["adapter_weights_bytes"] > 0
