"""Bottleneck adapters (Houlsby, Pfeiffer, parallel) as a native peft tuner.

HF peft has no bottleneck adapter, and AdapterHub `adapters` cannot share an environment with
transformers 5, so this is a small peft tuner of our own, registered with peft's hook so that
`get_peft_model`, `save_pretrained` and `PeftModel.from_pretrained` work as for any adapter.

An adapter is down-projection -> non-linearity -> up-projection. The up-projection starts at zero,
so the adapted model equals the base model at init (training starts from the base model's
behaviour, and the first step's gradient reaches the up-projection). Two ways to attach it:

- sequential (`houlsby`: after attention-output and FFN-output projections; `pfeiffer`: after the
  FFN output only): ``out = m(x); out = out + s * up(act(down(out)))``
- parallel: the adapter reads the *input* of the wrapped sublayer (typically the whole FFN block):
  ``out = m(x) + s * up(act(down(x)))``

Which modules are wrapped is the caller's `target_modules`; `placement` only decides sequential vs
parallel (and the default targets when none are given). Adapter parameters per wrapped module,
with d_in/d_out the adapter's input/output width and b = max(1, d_out // reduction_factor):
``d_in*b + b + b*d_out + d_out`` (= ``2*h*(h/r) + h/r + h`` when d_in = d_out = hidden size h).
Not mergeable: the non-linearity sits between the two projections.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import torch
from peft.config import PeftConfig
from peft.tuners.tuners_utils import BaseTuner, BaseTunerLayer
from peft.utils import PeftType
from torch import nn
from transformers.pytorch_utils import Conv1D

from peftbench.methods.native import PLACEMENT_ROLES
from peftbench.methods.native._peft_hook import _add_peft_type, register_native_peft_method
from peftbench.models.targets import resolve_targets

_add_peft_type("BOTTLENECK")  # before the config class, whose __post_init__ names it

PLACEMENTS = tuple(PLACEMENT_ROLES)


@dataclass
class BottleneckConfig(PeftConfig):
    """Configuration of a bottleneck adapter (see the module docstring for the semantics)."""

    target_modules: list[str] | str | None = field(
        default=None,
        metadata={"help": "module name suffixes (or a regex) to wrap; default from `placement`"},
    )
    exclude_modules: list[str] | str | None = field(default=None)
    modules_to_save: list[str] | None = field(default=None)
    reduction_factor: int = field(default=16, metadata={"help": "bottleneck = width // factor"})
    placement: str = field(default="houlsby", metadata={"help": f"one of {PLACEMENTS}"})
    non_linearity: str = field(default="relu", metadata={"help": "a transformers ACT2FN name"})
    scaling: float = field(default=1.0, metadata={"help": "multiplier on the adapter's output"})

    def __post_init__(self) -> None:
        super().__post_init__()
        self.peft_type = PeftType.BOTTLENECK
        if self.placement not in PLACEMENTS:
            raise ValueError(f"placement must be one of {PLACEMENTS}, got {self.placement!r}")
        if int(self.reduction_factor) < 1:
            raise ValueError(f"reduction_factor must be >= 1, got {self.reduction_factor}")
        from transformers.activations import ACT2FN

        if self.non_linearity not in ACT2FN:
            raise ValueError(f"unknown non_linearity {self.non_linearity!r}")

    @property
    def parallel(self) -> bool:
        return self.placement == "parallel"


def adapter_dims(module: nn.Module, hidden_size: int, parallel: bool) -> tuple[int, int]:
    """(input width, output width) of an adapter around `module`.

    Linear/Conv1D have their own widths: a sequential adapter reads and writes the output, a
    parallel one reads the input and writes the output. Every other module (a whole attention or FFN
    block) maps the residual stream to itself, so its widths are the model's hidden size.
    """
    if isinstance(module, nn.Linear):
        d_in, d_out = module.in_features, module.out_features
    elif isinstance(module, Conv1D):  # GPT-2: weight is (in, out)
        d_in, d_out = module.weight.shape
    else:
        d_in = d_out = hidden_size
    return (d_in if parallel else d_out), d_out


class BottleneckLayer(nn.Module, BaseTunerLayer):
    """Wraps one module and adds one bottleneck adapter per adapter name to its output."""

    adapter_layer_names = ("bottleneck_down", "bottleneck_up")
    other_param_names = ("bottleneck_act",)

    def __init__(self, base_layer: nn.Module, hidden_size: int) -> None:
        super().__init__()
        self.base_layer = base_layer
        self.hidden_size = hidden_size
        self.bottleneck_down = nn.ModuleDict()
        self.bottleneck_up = nn.ModuleDict()
        self.bottleneck_act = nn.ModuleDict()
        self.bottleneck_scaling: dict[str, float] = {}
        self.bottleneck_parallel: dict[str, bool] = {}
        self._disable_adapters = False
        self.merged_adapters: list[str] = []

    def update_layer(self, adapter_name: str, config: BottleneckConfig) -> None:
        """Create adapter `adapter_name`: random down-projection, zero up-projection."""
        from transformers.activations import ACT2FN

        d_in, d_out = adapter_dims(self.get_base_layer(), self.hidden_size, config.parallel)
        width = max(1, d_out // int(config.reduction_factor))
        ref = next(self.get_base_layer().parameters())
        dtype = ref.dtype if ref.dtype.is_floating_point else torch.float32
        down = nn.Linear(d_in, width, device=ref.device, dtype=dtype)
        up = nn.Linear(width, d_out, device=ref.device, dtype=dtype)
        nn.init.zeros_(up.weight)
        nn.init.zeros_(up.bias)
        self.bottleneck_down[adapter_name] = down
        self.bottleneck_up[adapter_name] = up
        self.bottleneck_act[adapter_name] = ACT2FN[config.non_linearity]
        self.bottleneck_scaling[adapter_name] = float(config.scaling)
        self.bottleneck_parallel[adapter_name] = config.parallel
        self.set_adapter(self.active_adapters, inference_mode=config.inference_mode)

    def merge(self, safe_merge: bool = False, adapter_names: list[str] | None = None) -> None:
        raise NotImplementedError("bottleneck adapters are non-linear and cannot be merged")

    def unmerge(self) -> None:
        raise NotImplementedError("bottleneck adapters are non-linear and cannot be merged")

    def _adapt(self, name: str, x: torch.Tensor) -> torch.Tensor:
        down = self.bottleneck_down[name]
        h = self.bottleneck_act[name](down(x.to(down.weight.dtype)))
        return self.bottleneck_up[name](h) * self.bottleneck_scaling[name]

    def forward(self, *args: object, **kwargs: object) -> torch.Tensor | tuple[object, ...]:
        result = self.base_layer(*args, **kwargs)
        names = [n for n in self.active_adapters if n in self.bottleneck_down]
        if self.disable_adapters or not names:
            return result
        # Blocks such as attention return a tuple whose first element is the hidden state.
        out = result[0] if isinstance(result, tuple) else result
        x = args[0] if args else kwargs.get("hidden_states", kwargs.get("x"))
        for name in names:
            source = x if self.bottleneck_parallel[name] else out
            out = out + self._adapt(name, source).to(out.dtype)
        return (out, *result[1:]) if isinstance(result, tuple) else out

    def __repr__(self) -> str:
        return "bottleneck." + super().__repr__()


class BottleneckModel(BaseTuner):
    """The peft tuner: wraps every targeted module in a `BottleneckLayer`."""

    prefix: str = "bottleneck_"
    tuner_layer_cls = BottleneckLayer
    target_module_mapping: ClassVar[dict[str, list[str]]] = {}

    def _prepare_adapter_config(self, peft_config: PeftConfig, model_config: dict) -> PeftConfig:
        """Default targets come from peftbench's role table, so there is one table of names."""
        if peft_config.target_modules is None:
            roles = PLACEMENT_ROLES[peft_config.placement]
            peft_config.target_modules = resolve_targets(model_config["model_type"], roles)
        return peft_config

    def _hidden_size(self) -> int:
        config = getattr(self.model, "config", None)
        if config is not None and hasattr(config, "get_text_config"):
            config = config.get_text_config()
        size = getattr(config, "hidden_size", None)
        if size is None:
            raise ValueError("the model config has no hidden_size, needed to wrap whole blocks")
        return int(size)

    def _create_and_replace(
        self,
        peft_config: PeftConfig,
        adapter_name: str,
        target: nn.Module,
        target_name: str,
        parent: nn.Module,
        current_key: str,
        parameter_name: str | None = None,
    ) -> None:
        if isinstance(target, BottleneckLayer):
            target.update_layer(adapter_name, peft_config)
            return
        hidden = self._hidden_size() if not isinstance(target, (nn.Linear, Conv1D)) else 0
        new_module = BottleneckLayer(target, hidden_size=hidden)
        new_module._active_adapter = adapter_name
        new_module.update_layer(adapter_name, peft_config)
        if adapter_name not in self.active_adapters:
            new_module.requires_grad_(False)
        self._replace_module(parent, target_name, new_module, target)


register_native_peft_method("bottleneck", BottleneckConfig, BottleneckModel)

__all__ = ["PLACEMENT_ROLES", "BottleneckConfig", "BottleneckLayer", "BottleneckModel"]
