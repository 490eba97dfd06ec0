"""Metrics: one module per family, registered in `METRICS` (see `base.py`)."""

from peftbench.metrics.base import METRICS, Metric, mean_metric, register

__all__ = ["METRICS", "Metric", "mean_metric", "register"]
