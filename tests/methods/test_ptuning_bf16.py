"""P-tuning trains in bf16 on a CPU without native bf16 (issue 26): its LSTM prompt encoder runs
in float32 (methods/ptuning.py), because oneDNN has no bf16 LSTM there and fails with "could not
create a primitive descriptor for the LSTM forward propagation primitive".

`ONEDNN_MAX_CPU_ISA=AVX2` makes any x86 CPU behave like one without AVX-512 bf16, so the failure
(before the fix) shows on every x86 machine, not only on older ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SETTINGS = [
    "methods=[ptuning]",
    "datasets=[toy-addition]",
    "model_options.dtype=bfloat16",
    "training.precision=bf16",
    "training.max_steps=4",
    "evaluation.max_eval_examples=4",
    # the paper's encoder (a 2-layer bidirectional LSTM), narrower so the run takes seconds
    "method_params.ptuning.num_virtual_tokens=4",
    "method_params.ptuning.encoder_hidden_size=16",
]


@pytest.mark.slow  # about 20 s on 2 idle cores: a whole `peftbench run`
def test_ptuning_lstm_runs_in_bf16_on_a_cpu_without_bf16_lstm(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "peftbench", "run", "smoke", "--out", str(out), "--no-progress"]
    for setting in SETTINGS:
        cmd += ["--set", setting]
    env = {**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (run,) = (out / "runs").iterdir()
    status = json.loads((run / "status.json").read_text())
    assert status["status"] == "ok", status.get("error")
    config = json.loads((run / "config.json").read_text())
    assert config["model_options"]["dtype"] == "bfloat16"
    assert config["method_params"]["encoder_reparameterization_type"] == "LSTM"
    assert (run / "predictions.jsonl").read_text().count("\n") == 4
