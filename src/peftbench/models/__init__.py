"""Base models: one module each, registered in `MODELS` (see `base.py`)."""

from peftbench.models.base import MODELS, LoadedModel, ModelSpec, register

__all__ = ["MODELS", "LoadedModel", "ModelSpec", "register"]
