"""Weights & Biases: one W&B run per peftbench run, grouped by suite.

Where: W&B's own settings decide -- WANDB_MODE (online, offline: written locally and sent later
with `wandb sync`), WANDB_PROJECT (default `peftbench`), WANDB_ENTITY, WANDB_API_KEY; the local
files go to $WANDB_DIR, or the results folder (`<out>/wandb/`) when it is not set.

The run is named by its run id (`group` = the suite, `job_type` = peftbench-run); its config is
the resolved config, its history the figures per training step, its summary every final figure,
and the committed run folder is logged as an artifact (type `peftbench-run`). W&B's console
output and system metrics are off: the run already measures its own cost, and the grid's output
stays readable.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from types import ModuleType

from peftbench.trackers import register
from peftbench.trackers.base import RunLog, Tracker

PROJECT = "peftbench"


def artifact_name(run_id: str) -> str:
    """W&B artifact names allow letters, digits, '-', '_' and '.', at most 128 characters."""
    return re.sub(r"[^A-Za-z0-9_.-]", "-", run_id)[:128]


def where(root: Path) -> str:
    mode = os.environ.get("WANDB_MODE") or "W&B's default mode"
    project = os.environ.get("WANDB_PROJECT") or PROJECT
    return f"project {project} ({mode}), local files in {os.environ.get('WANDB_DIR') or root}"


def log(run: RunLog) -> None:
    import wandb

    try:
        _log(wandb, run)
    finally:
        # a local-backend worker ends with os._exit, which skips W&B's own exit hook: stop its
        # background service here, so nothing outlives the run (also when W&B failed)
        wandb.teardown()


def _log(wandb: ModuleType, run: RunLog) -> None:
    settings = wandb.Settings(
        silent=True, console="off", x_disable_stats=True, disable_git=True, save_code=False
    )
    wb = wandb.init(
        project=os.environ.get("WANDB_PROJECT") or PROJECT,
        dir=os.environ.get("WANDB_DIR") or str(run.root),
        name=run.run_id,
        group=run.suite,
        job_type="peftbench-run",
        tags=[run.suite[:64], run.status],
        config={**run.params, **run.tags, "peftbench.run_id": run.run_id},
        reinit="create_new",
        settings=settings,
    )
    try:
        for step, figures in run.steps:
            wb.log(figures, step=step)
        wb.summary.update(run.finals)
        artifact = wandb.Artifact(artifact_name(run.run_id), type="peftbench-run")
        # immutable: a committed run folder never changes, so W&B need not copy it to staging
        artifact.add_dir(str(run.folder), policy="immutable")
        wb.log_artifact(artifact)
    except BaseException:
        wb.finish(exit_code=1)
        raise
    wb.finish(exit_code=0 if run.status == "ok" else 1)


register(
    Tracker(
        name="wandb",
        module="wandb",
        package="wandb",
        log=log,
        where=where,
    )
)
