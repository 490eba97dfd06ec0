"""What a PEFT method is to peftbench: a name, a preset and a function that wraps a model.

A method module defines one `Method` and registers it in `METHODS`; nothing else in peftbench
names methods. The training loop, evaluation and measurements treat every method the same way.
Method modules must not import torch/peft at module level (keep `peftbench ls` fast): do it
inside `build`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from peftbench.registry import Registry

if TYPE_CHECKING:
    from peftbench.models.base import LoadedModel

# build(model, loaded, params) -> the wrapped model (a peft.PeftModel for adapter methods).
BuildFn = Callable[[Any, "LoadedModel", dict[str, Any]], Any]

# Hyper-parameters every method preset carries that are not passed to `build`.
TRAINING_KEYS = ("learning_rate",)


@dataclass(frozen=True)
class Method:
    """A registered PEFT method.

    preset: the method's default hyper-parameters (the paper's where it has them). `learning_rate`
    goes to the optimiser; every other key goes to `build`. Suites override keys per method.
    """

    name: str
    family: str  # e.g. "reparameterised", "additive", "prompt", "selective", "baseline"
    provider: str  # "peft", "native" or "none"
    description: str
    build: BuildFn
    preset: Mapping[str, Any] = field(default_factory=dict)
    trains: bool = True
    mergeable: bool = False
    identity_at_init: bool = False
    source: str = "documented default"  # where the preset comes from, e.g. "PEFT-Bench paper"
    extra_keys: tuple[str, ...] = ()  # accepted in suites' method_params beyond the preset's keys

    def params(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The preset with `overrides` applied (unknown keys are rejected by config validation)."""
        merged = dict(self.preset)
        merged.update(overrides or {})
        return merged

    @staticmethod
    def build_params(params: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in params.items() if k not in TRAINING_KEYS}


METHODS: Registry[Method] = Registry("method", "peftbench.methods")


def register(method: Method) -> Method:
    return METHODS.register(method)
