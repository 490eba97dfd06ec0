"""Which recorded score is a run's task score: the dataset's official metric or PEFT-Bench's.

Every run records both (metrics.json: `score`/`metric` = official, `paper_score`/`paper_metric`
= the paper's choice, datasets/paper_metrics.py). `scoring.task_metric: paper` makes the paper's
the task score of every run before a leaderboard averages them, so a `paper` suite's averages are
comparable with the paper's P_avg; the board records which was used.
"""

from __future__ import annotations

from typing import Any

from peftbench.errors import UserError


def with_task_metric(record: dict[str, Any], which: str) -> dict[str, Any]:
    """`record` with `metrics.score`/`metrics.metric` set to the chosen task metric."""
    if which == "official":
        return record
    metrics = record["metrics"]
    if "paper_score" not in metrics:
        dataset = record["config"]["dataset"]
        raise UserError(
            f"scoring.task_metric is 'paper', but run {record['run_id']} ({dataset}) has no "
            "paper score: PEFT-Bench did not use this dataset, or the run was recorded before "
            "paper scores were",
            "use scoring.task_metric: official for this results folder, or rerun the run",
        )
    chosen = {
        **metrics,
        "score": metrics["paper_score"],
        "metric": metrics["paper_metric"],
        "official_score": metrics["score"],
        "official_metric": metrics["metric"],
    }
    return {**record, "metrics": chosen}
