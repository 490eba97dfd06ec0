"""PEFT methods: one module each, registered in `METHODS` (see `base.py`)."""

from peftbench.methods.base import METHODS, Method, register

__all__ = ["METHODS", "Method", "register"]
