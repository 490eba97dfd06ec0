"""Metrics: one registry; each metric scores parsed predictions against gold answers.

A prediction of `None` means the model's output could not be parsed: it counts as wrong (and the
evaluation reports the share of such outputs as `invalid_rate`). Values are on a 0-100 scale so
every task score is comparable; `higher_is_better` gives the direction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from peftbench.registry import Registry

ComputeFn = Callable[[Sequence[Any], Sequence[Any]], float]


@dataclass(frozen=True)
class Metric:
    name: str
    description: str
    compute: ComputeFn  # (predictions, golds) -> value on a 0-100 scale
    higher_is_better: bool = True

    def __call__(self, predictions: Sequence[Any], golds: Sequence[Any]) -> float:
        if len(predictions) != len(golds):
            raise ValueError(
                f"metric {self.name}: {len(predictions)} predictions for {len(golds)} golds"
            )
        if not golds:
            raise ValueError(f"metric {self.name}: nothing to score")
        return float(self.compute(predictions, golds))


METRICS: Registry[Metric] = Registry("metric", "peftbench.metrics")


def register(metric: Metric) -> Metric:
    return METRICS.register(metric)
