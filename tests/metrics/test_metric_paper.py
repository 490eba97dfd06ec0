"""PEFT-Bench's metrics (metrics/paper.py) are registered once each, where metrics live, and each
serves a dataset of the paper's mapping (datasets/paper_metrics.py); the values are checked
against scikit-learn in tests/scoring/test_task_metric.py."""

from __future__ import annotations

from peftbench.datasets.paper_metrics import PAPER_METRICS
from peftbench.metrics import METRICS
from peftbench.metrics.paper import PAPER


def test_each_paper_metric_is_registered_once_and_used() -> None:
    names = [m.name for m in PAPER]
    assert len(set(names)) == len(names)  # registering twice would raise, not be hidden
    for metric in PAPER:
        assert METRICS.get(metric.name) is metric
    assert set(names) <= set(PAPER_METRICS.values())


def test_every_mapped_metric_is_registered() -> None:
    for dataset, name in PAPER_METRICS.items():
        assert name in METRICS, (dataset, name)
