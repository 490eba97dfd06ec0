"""Which recorded score is a run's task score: the dataset's official metric or PEFT-Bench's.

Every run records both (metrics.json: `score`/`metric` = official; `paper_score`/`paper_metric`
among its values = the paper's choice, datasets/paper_metrics.py). `scoring.task_metric: paper`
makes the paper's the task score of every run before the leaderboard averages them, so a `paper`
suite's averages are comparable with the paper's P_avg; the board records which was used.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from peftbench.errors import UserError

if TYPE_CHECKING:  # records are read in the results layer; this only rewrites one
    from peftbench.results.record import RunRecord


def with_task_metric(record: RunRecord, which: str) -> RunRecord:
    """`record` with its metrics' score/metric set to the chosen task metric (ok records)."""
    if which == "official" or record.metrics is None:
        return record
    metrics = record.metrics
    values = metrics.values
    paper = metrics.number("paper_score")  # a score of its metric when there (the reader checks)
    if paper is None:
        raise UserError(
            f"scoring.task_metric is 'paper', but run {record.run_id} ({record.dataset}) has no "
            "paper score: PEFT-Bench did not use this dataset, or the run was recorded before "
            "paper scores were",
            "use scoring.task_metric: official for this results folder, or rerun the run",
        )
    chosen = dataclasses.replace(
        metrics,
        score=float(paper),
        metric=str(values["paper_metric"]),
        values={**values, "official_score": metrics.score, "official_metric": metrics.metric},
    )
    return dataclasses.replace(record, metrics=chosen)
