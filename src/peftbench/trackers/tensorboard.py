"""TensorBoard: one event folder per run, `<out>/tensorboard/<run_id>/`, so `tensorboard
--logdir <out>/tensorboard` shows every run of the results folder side by side.

Scalars: the figures per training step (train/loss, train/learning_rate, ..., dev/loss,
dev/score) at their steps, and every final figure at the last step; the HParams tab holds the
resolved config against the final figures (one row per run), and the config is also a text
summary. TensorBoard has no artifacts: the run folder stays in the results folder.
"""

from __future__ import annotations

import json
from pathlib import Path

from peftbench.trackers import register
from peftbench.trackers.base import RunLog, Tracker

FOLDER = "tensorboard"


def log_dir(root: Path, run_id: str) -> Path:
    return root / FOLDER / run_id


def log(run: RunLog) -> None:
    from torch.utils.tensorboard import SummaryWriter
    from torch.utils.tensorboard.summary import hparams

    writer = SummaryWriter(log_dir=str(log_dir(run.root, run.run_id)))
    try:
        for step, figures in run.steps:
            for key, value in figures.items():
                writer.add_scalar(key, value, global_step=step)
        last = run.steps[-1][0] if run.steps else 0
        for key, value in run.finals.items():
            writer.add_scalar(key, value, global_step=last)
        text = json.dumps({"params": run.params, "tags": run.tags}, indent=1, sort_keys=True)
        writer.add_text("config", f"```\n{text}\n```", global_step=last)
        for summary in hparams({**run.params, **run.tags}, run.finals):
            writer.file_writer.add_summary(summary)
    finally:
        writer.close()


register(
    Tracker(
        name="tensorboard",
        module="tensorboard",
        package="tensorboard",
        log=log,
        where=lambda root: f"{root / FOLDER} (view: tensorboard --logdir {root / FOLDER})",
    )
)
