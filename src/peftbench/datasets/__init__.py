"""Datasets: one module each, registered in `DATASETS` (see `base.py`)."""

from peftbench.datasets.base import DATASETS, DatasetSpec, Example, LoadContext, register

__all__ = ["DATASETS", "DatasetSpec", "Example", "LoadContext", "register"]
