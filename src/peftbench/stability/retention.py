"""General-capability retention: the change of a general task's score, with a paired interval.

The base model and the fine-tuned model answer the same items; the difference of their metric
values is the retention change (negative: the method forgot). Its 95 % interval comes from a
paired bootstrap: items are resampled with replacement, the metric is recomputed for both models
on the same resample, and the 2.5th/97.5th percentiles of the differences are taken. Recomputing
the metric (instead of averaging per-item scores) keeps it valid for F1, MCC and correlations.
Several tasks are combined by resampling each task's items independently and averaging the
per-task differences, so the combined interval reflects every task's noise. Where the metric is a
mean over items, the record keeps both models' per-item scores, so the leaderboard can combine
several runs on the same items by a joint bootstrap (board/stability.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from peftbench.json_types import JSONObject, JSONValue
from peftbench.scoring.intervals import draw_items, percentile, stream_seed

MetricFn = Callable[[Sequence[object], Sequence[object]], float]
BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = 0


# one task's figures: scores, delta, interval, item count, per-item scores (`item_scores`)
TaskFigures = JSONObject  # base, adapted, delta, ci95 and (mean metrics) item_scores


@dataclass(frozen=True)
class TaskAnswers:
    """One general task, answered by the base model and by the fine-tuned model."""

    name: str
    metric: MetricFn
    base: Sequence[object]  # parsed predictions of the base model
    adapted: Sequence[object]  # parsed predictions of the fine-tuned model, same items
    golds: Sequence[object]

    def delta(self, idx: Sequence[int] | None = None) -> float:
        pick = range(len(self.golds)) if idx is None else idx
        golds = [self.golds[i] for i in pick]
        adapted = self.metric([self.adapted[i] for i in pick], golds)
        return adapted - self.metric([self.base[i] for i in pick], golds)


@dataclass(frozen=True)
class Retention:
    delta: float  # mean over tasks of (fine-tuned - base), in metric points
    ci95: tuple[float, float]
    per_task: JSONObject  # task name -> its TaskFigures
    samples: int

    def as_record(self) -> JSONObject:
        return {
            "delta": self.delta,
            "ci95": list(self.ci95),
            "bootstrap_samples": self.samples,
            "tasks": self.per_task,
        }


def bootstrap_deltas(tasks: Sequence[TaskAnswers], samples: int, seed: int) -> list[list[float]]:
    """Per task, `samples` paired-bootstrap differences (the shared item draws of
    scoring/intervals.py, one seeded stream per task)."""
    out: list[list[float]] = []
    for task in tasks:
        stream = stream_seed("retention", task.name, seed=seed)
        draws = draw_items(len(task.golds), samples, stream)
        out.append([task.delta([int(i) for i in idx]) for idx in draws])
    return out


def item_scores(task: TaskAnswers) -> JSONObject:
    """{"item_scores": {"base": [...], "adapted": [...]}} when the task's metric is a mean of
    per-item scores: the leaderboard combines a row's runs by a joint bootstrap over these shared
    items (board/stability.py). {} for a whole-set metric."""
    items = getattr(task.metric, "items", None)
    if items is None:
        return {}
    golds = list(task.golds)
    base: list[JSONValue] = [float(x) for x in items(list(task.base), golds)]
    adapted: list[JSONValue] = [float(x) for x in items(list(task.adapted), golds)]
    return {"item_scores": {"base": base, "adapted": adapted}}


def interval(values: Sequence[float]) -> tuple[float, float]:
    return percentile(values, 2.5), percentile(values, 97.5)


def retention(
    tasks: Sequence[TaskAnswers],
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Retention:
    if not tasks:
        raise ValueError("retention needs at least one general task")
    draws = bootstrap_deltas(tasks, samples, seed)
    per_task: JSONObject = {}
    for task, task_draws in zip(tasks, draws, strict=True):
        golds = list(task.golds)
        per_task[task.name] = {
            "base": task.metric(list(task.base), golds),
            "adapted": task.metric(list(task.adapted), golds),
            "delta": task.delta(),
            "ci95": list(interval(task_draws)),
            "items": len(golds),
            **item_scores(task),
        }
    combined = [sum(col) / len(tasks) for col in zip(*draws, strict=True)]
    delta = sum(task.delta() for task in tasks) / len(tasks)
    return Retention(delta, interval(combined), per_task, samples)
