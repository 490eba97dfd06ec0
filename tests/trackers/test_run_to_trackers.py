"""`peftbench run` with `report_to`, end to end on the tiny smoke model: every committed run
reaches MLflow, TensorBoard and W&B (offline), read back with each one's own reader; a tracker
that cannot write leaves the run complete and says so."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli_util import peftbench as run_cli
from needs import need_module
from wandb_records import read_records, run_files

ONE_CELL = ["--set", "methods=[lora]", "--set", "datasets=[toy-addition]"]
SHORT = ["--set", "training.max_steps=3", "--no-progress"]


def peftbench(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The real command line; MLflow's and W&B's settings only from `env` (else the defaults)."""
    return run_cli(*args, cwd=cwd, env=env, drop=("MLFLOW_", "WANDB_"))


@pytest.mark.slow
def test_each_run_reaches_every_tracker(tmp_path: Path) -> None:
    for module in ("mlflow", "wandb", "tensorboard"):
        need_module(module, f"pip install 'peftbench[{module}]'")
    from mlflow import MlflowClient
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = tmp_path / "r"
    proc = peftbench(
        "run", "smoke", *ONE_CELL, *SHORT, "--set", "report_to=[mlflow, tensorboard, wandb]",
        "--out", str(out), cwd=tmp_path, WANDB_MODE="offline", WANDB_DIR=str(tmp_path),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run_dir,) = (out / "runs").iterdir()
    run_id = run_dir.name
    assert f"mlflow: sqlite:///{out.resolve() / 'mlflow' / 'mlflow.db'}" in proc.stdout
    assert f"tensorboard: {out / 'tensorboard'}" in proc.stdout
    assert f"wandb: project peftbench (offline), local files in {tmp_path}" in proc.stdout
    notes = [json.loads(x) for x in (out / "tracker_log.jsonl").read_text().splitlines()]
    assert sorted((n["tracker"], n["ok"]) for n in notes) == [
        ("mlflow", True), ("tensorboard", True), ("wandb", True),
    ]  # fmt: skip
    losses = [
        (row["step"], row["loss"])
        for row in map(json.loads, (run_dir / "train_log.jsonl").read_text().splitlines())
        if "loss" in row
    ]
    assert [s for s, _ in losses] == [1, 2, 3]

    client = MlflowClient(f"sqlite:///{out / 'mlflow' / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("smoke")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.run_name == run_id and run.data.params["training.max_steps"] == "3"
    history = client.get_metric_history(run.info.run_id, "train/loss")
    assert sorted((m.step, m.value) for m in history) == losses
    score = json.loads((run_dir / "metrics.json").read_text())["score"]
    assert run.data.metrics["score"] == score and "score_ci95_high" in run.data.metrics
    assert "run/status.json" in {a.path for a in client.list_artifacts(run.info.run_id, "run")}

    events = EventAccumulator(str(out / "tensorboard" / run_id))
    events.Reload()
    assert [(e.step, round(e.value, 5)) for e in events.Scalars("train/loss")] == [
        (s, round(v, 5)) for s, v in losses
    ]

    (wandb_file,) = run_files(tmp_path)
    records = read_records(wandb_file)
    (wb_run,) = [r.run for r in records if r.WhichOneof("record_type") == "run"]
    assert (wb_run.display_name, wb_run.run_group) == (run_id, "smoke")
    assert any(r.WhichOneof("record_type") == "artifact" for r in records)


@pytest.mark.slow
def test_a_tracker_that_cannot_write_leaves_the_run_complete(tmp_path: Path) -> None:
    need_module("mlflow", "pip install 'peftbench[mlflow]'")
    out = tmp_path / "r"
    proc = peftbench(
        "run", "smoke", *ONE_CELL, *SHORT, "--set", "report_to=[mlflow]", "--backend", "inline",
        "--out", str(out), cwd=tmp_path,
        MLFLOW_TRACKING_URI="sqlite:////proc/peftbench-no-such/mlflow.db",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run_dir,) = (out / "runs").iterdir()
    assert json.loads((run_dir / "status.json").read_text())["status"] == "ok"
    assert f"warning: run {run_dir.name} was not logged to mlflow" in proc.stderr
    (note,) = [json.loads(x) for x in (out / "tracker_log.jsonl").read_text().splitlines()]
    assert note["ok"] is False and note["run_id"] == run_dir.name
    again = peftbench(
        "run", "smoke", *ONE_CELL, *SHORT, "--set", "report_to=[mlflow]", "--backend", "inline",
        "--out", str(out), "--dry-run", cwd=tmp_path,
    )  # fmt: skip
    assert "done" in again.stdout and "pending" not in again.stdout  # complete: never re-run
