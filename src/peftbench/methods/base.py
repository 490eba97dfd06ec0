"""What a PEFT method is to peftbench: a name, a preset and a function that wraps a model.

A method module defines one `Method` and registers it in `METHODS`; nothing else in peftbench
names methods. The training loop, evaluation and measurements treat every method the same way.
Method modules must not import torch/peft at module level (keep `peftbench ls` fast): do it
inside `build`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeGuard, get_args

from peftbench.errors import unknown_name
from peftbench.methods._checks import number
from peftbench.registry import Registry

if TYPE_CHECKING:
    from pathlib import Path

    from torch.nn import Module
    from torch.optim import Optimizer

    from peftbench.models.base import LoadedModel

# A method's settings: its preset with a suite's overrides, parsed YAML/JSON values (builds read
# them with the typed readers of methods/_checks.py, after the checks there).
Params = Mapping[str, object]

# build(model, loaded, params) -> the wrapped model (a peft.PeftModel for adapter methods).
BuildFn = Callable[["Module", "LoadedModel", Params], "Module"]
# load(model, loaded, folder) -> `model` with the adapter saved in `folder` (by save_pretrained).
LoadFn = Callable[["Module", "LoadedModel", "Path"], "Module"]
# optimizer(model, params, learning_rate, weight_decay) -> a torch optimizer over the trainable
# parameters, for methods whose update rule is part of the method (LoRA+, GaLore).
OptimizerFn = Callable[["Module", Params, float, float], "Optimizer"]
# step_hook(model, params, step, total_steps): after each optimizer step, before gradients are
# cleared (step counts from 0), for methods that adapt during training (AdaLoRA's rank budget).
StepHookFn = Callable[["Module", Params, int, int], None]

# check(params, where) -> None: raise UserError when a setting is invalid; `where` is the settings'
# path for messages (e.g. "method_params.ia3"). Runs on the preset with the suite's overrides.
CheckFn = Callable[[Params, str], None]

# How a method adapts the model (a closed list: listings group by it and tests branch on it).
Family = Literal[
    "reparameterised",  # a low-rank or structured update of existing weights (LoRA and kin)
    "orthogonal",  # a rotation of existing weights (OFT, BOFT, HRA, ...)
    "additive",  # new modules in the forward pass (bottleneck adapters, IA3)
    "prompt",  # trained virtual tokens (prompt, prefix, P-tuning)
    "selective",  # a subset of existing weights trained (BitFit, LN tuning, ...)
    "full-parameter",  # every weight trained (full fine-tuning, GaLore)
    "baseline",  # nothing trained (frozen)
]
FAMILIES: tuple[str, ...] = get_args(Family)


def is_family(name: object) -> TypeGuard[Family]:
    """Whether `name` is one of `FAMILIES` (a table entry's family, read as text)."""
    return name in FAMILIES


# Hyper-parameters every method preset carries that are not passed to `build`.
TRAINING_KEYS = ("learning_rate",)
# Training settings a suite may set for one method in its method_params (the paper holds out
# 20 % for prefix tuning, 10 % for the others): they replace the suite's `training.<key>` in
# that method's runs (suite.expand), and never reach `build`.
TRAINING_OVERRIDES = ("val_fraction",)


@dataclass(frozen=True)
class Method:
    """A registered PEFT method.

    preset: the method's default hyper-parameters (the paper's where it has them). `learning_rate`
    goes to the optimiser; every other key goes to `build`. Suites override keys per method.
    """

    name: str
    family: Family
    provider: str  # "peft", "native" or "none"
    description: str
    build: BuildFn
    preset: Mapping[str, object] = field(default_factory=dict)
    trains: bool = True
    mergeable: bool = False
    identity_at_init: bool = False  # with its preset; other settings: `starts_as_identity`
    # (params) -> whether the method is claimed to start as the base model with these settings
    # on any architecture, for a method where a setting decides it (BitFit's `bias_init`);
    # None: `identity_at_init` whatever the params
    identity_with: Callable[[Mapping[str, object]], bool] | None = None
    source: str = "documented default"  # where the preset comes from, e.g. "PEFT-Bench paper"
    # where each preset value comes from, key by key (e.g. {"r": "PEFT-Bench train.yaml"})
    sources: Mapping[str, str] = field(default_factory=dict)
    extra_keys: tuple[str, ...] = ()  # accepted in suites' method_params beyond the preset's keys
    needs_gpu: bool = False  # build raises UserError without a CUDA GPU (and what else it needs)
    optimizer: OptimizerFn | None = None  # None: the suite's optimizer over trainable parameters
    step_hook: StepHookFn | None = None
    load: LoadFn | None = None  # None: peft's PeftModel.from_pretrained
    check: CheckFn | None = None  # value checks beyond the preset's types (methods/_checks.py)
    # A reference, not a contestant (zero-shot `frozen`, full fine-tuning `full`): tables show it
    # apart, PSCP does not rank it, and the non-training baseline is what "vs frozen" compares to.
    baseline: bool = False

    @property
    def unchanged(self) -> bool:
        """Trains nothing and starts as the identity: its model *is* the base model, so the
        figures that compare it with the base (retention answers) are the base's own."""
        return not self.trains and self.identity_at_init

    def starts_as_identity(self, params: Mapping[str, object]) -> bool:
        """Whether the model this method builds with `params` equals the base model at init."""
        if self.identity_with is None:
            return self.identity_at_init
        return self.identity_with(params)

    def params(self, overrides: Mapping[str, object] | None = None) -> dict[str, object]:
        """The preset with `overrides` applied (unknown keys are rejected by config validation)."""
        merged = dict(self.preset)
        merged.update(overrides or {})
        return merged

    @staticmethod
    def build_params(params: Mapping[str, object]) -> dict[str, object]:
        return {k: v for k, v in params.items() if k not in TRAINING_KEYS}

    @staticmethod
    def learning_rate(params: Mapping[str, object]) -> float:
        """The optimiser's learning rate in `params` (a `TRAINING_KEYS` setting)."""
        return float(number(params, "learning_rate"))

    def make_optimizer(
        self, model: Module, params: Mapping[str, object], learning_rate: float, weight_decay: float
    ) -> Optimizer | None:
        """The method's own optimizer for `model` (built by this method), or None."""
        if self.optimizer is None:
            return None
        return self.optimizer(model, self.build_params(params), learning_rate, weight_decay)

    def step_callback(
        self, model: Module, params: Mapping[str, object]
    ) -> Callable[[int, int], None] | None:
        """`callback(step, total_steps)` for the training loop, or None when the method has none."""
        hook = self.step_hook
        if hook is None:
            return None
        build_params = self.build_params(params)
        return lambda step, total: hook(model, build_params, step, total)

    def load_saved(self, model: Module, loaded: LoadedModel, folder: Path) -> Module:
        """`model` (a fresh base) with the adapter that `save_pretrained` wrote to `folder`."""
        if self.load is not None:
            return self.load(model, loaded, folder)
        from peft import PeftModel

        return PeftModel.from_pretrained(model, str(folder))


METHODS: Registry[Method] = Registry("method", "peftbench.methods")


def register(method: Method) -> Method:
    if not is_family(method.family):
        raise unknown_name("method family", method.family, FAMILIES)
    return METHODS.register(method)
