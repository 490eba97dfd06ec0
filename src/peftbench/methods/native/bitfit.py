"""BitFit (Ben Zaken et al., 2022) as a native peft tuner: train the bias terms only.

HF peft has no true BitFit (`bias="all"` on LoRA trains biases *besides* LoRA; BEFT adds a delta
bias to value projections only), so this is a small peft tuner of our own, registered with
peft's hook.

Design: each targeted Linear/Conv1D is wrapped in a `BitFitLayer` that owns the bias in use as an
adapter parameter `bitfit_bias[adapter]`, the way LoRA layers own `lora_A`. It starts as a copy of
the module's own bias, so the trained parameter *is* the bias (weight decay acts on the bias as in
the paper) and the saved adapter holds the trained bias values. A module without a bias (the Llama
family has none) gets a zero-initialised one, so the starting model is unchanged (the original
PEFT-Bench code initialised them randomly); those modules are listed in the config's
`added_bias_modules`, which is saved in adapter_config.json and can go into the run record. The
layer computes ``x @ W.T + bitfit_bias`` with the same fused op the base module uses, so at init
the output is bit-for-bit the base output. The frozen original bias stays on the base module, so
`unload()` returns the untouched base model. Mergeable: merging writes the trained bias into the
base module.

Trainable parameters: sum of out_features over the targeted modules.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import ClassVar

import torch
import torch.nn.functional as F
from peft.config import PeftConfig
from peft.tuners.tuners_utils import BaseTuner, BaseTunerLayer, check_adapters_to_merge
from peft.utils import PeftType
from torch import nn
from transformers.pytorch_utils import Conv1D

from peftbench.methods.native import BIAS_INITS
from peftbench.methods.native._peft_hook import _add_peft_type, register_native_peft_method
from peftbench.models.targets import resolve_targets

_add_peft_type("BITFIT")  # before the config class, whose __post_init__ names it

# Roles (see peftbench.models.targets) trained when the caller names no target_modules.
DEFAULT_ROLES = ("query", "key", "value", "attn_out", "ffn_in", "ffn_out")


@dataclass
class BitFitConfig(PeftConfig):
    """Configuration of BitFit. `added_bias_modules` is filled in when the adapter is injected."""

    target_modules: list[str] | str | None = field(
        default=None,
        metadata={"help": "Linear/Conv1D name suffixes (or a regex); default: all projections"},
    )
    exclude_modules: list[str] | str | None = field(default=None)
    modules_to_save: list[str] | None = field(default=None)
    add_missing_bias: bool = field(
        default=True,
        metadata={"help": "give bias-less targets a zero-initialised bias (else skip them)"},
    )
    bias_init: str = field(
        default="zeros",
        metadata={
            "help": "init of added biases: 'zeros' (model unchanged at start) or 'uniform' "
            "(nn.Linear's default U(-1/sqrt(in), 1/sqrt(in)), as PEFT-Bench's fresh Linear)"
        },
    )
    added_bias_modules: list[str] = field(
        default_factory=list,
        metadata={"help": "output: targeted modules that had no bias and got a zero one"},
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        self.peft_type = PeftType.BITFIT
        if self.bias_init not in BIAS_INITS:
            raise ValueError(f"bias_init must be one of {BIAS_INITS}, got {self.bias_init!r}")


class BitFitLayer(nn.Module, BaseTunerLayer):
    """Wraps one Linear/Conv1D; its output bias comes from the active adapter's `bitfit_bias`."""

    adapter_layer_names = ("bitfit_bias",)

    def __init__(self, base_layer: nn.Module) -> None:
        super().__init__()
        if not isinstance(base_layer, (nn.Linear, Conv1D)):
            raise TypeError(
                f"BitFit supports nn.Linear and Conv1D, not {type(base_layer).__name__}"
            )
        self.base_layer = base_layer
        self.bitfit_bias = nn.ParameterDict()
        self._disable_adapters = False
        self.merged_adapters: list[str] = []
        self._unmerged_bias: nn.Parameter | None = None

    @property
    def out_features(self) -> int:
        base = self.get_base_layer()
        return base.out_features if isinstance(base, nn.Linear) else base.weight.shape[1]

    def update_layer(
        self, adapter_name: str, inference_mode: bool, bias_init: str = "zeros"
    ) -> None:
        """Create adapter `adapter_name`'s bias: a copy of the module's bias, or a new one
        (zeros, or nn.Linear's default uniform init with bound 1/sqrt(in_features))."""
        base = self.get_base_layer()
        if base.bias is not None:
            init = base.bias.detach().clone()
        else:
            init = torch.zeros(
                self.out_features, device=base.weight.device, dtype=base.weight.dtype
            )
            if bias_init == "uniform":
                in_features = base.weight.numel() // self.out_features
                bound = 1.0 / in_features**0.5
                init = init.float().uniform_(-bound, bound).to(base.weight.dtype)
        self.bitfit_bias[adapter_name] = nn.Parameter(init)
        self.set_adapter(self.active_adapters, inference_mode=inference_mode)

    def _active_bias(self) -> torch.Tensor | None:
        names = [n for n in self.active_adapters if n in self.bitfit_bias]
        if len(names) > 1:
            raise ValueError(f"BitFit runs one adapter at a time, {len(names)} are active: {names}")
        return self.bitfit_bias[names[0]] if names else None

    def forward(self, x: torch.Tensor, *args: object, **kwargs: object) -> torch.Tensor:
        bias = None if (self.disable_adapters or self.merged) else self._active_bias()
        if bias is None:
            return self.base_layer(x, *args, **kwargs)
        base = self.get_base_layer()
        bias = bias.to(base.weight.dtype)  # the adapter may be kept in float32 (peft autocast)
        if isinstance(base, nn.Linear):
            return F.linear(x, base.weight, bias)
        # Conv1D computes addmm(bias, x, weight) on the flattened input.
        out = torch.addmm(bias, x.reshape(-1, x.shape[-1]), base.weight)
        return out.view(*x.shape[:-1], base.weight.shape[1])

    def merge(self, safe_merge: bool = False, adapter_names: list[str] | None = None) -> None:
        """Write the adapter's bias into the base module (keeping the original for `unmerge`)."""
        adapter_names = check_adapters_to_merge(self, adapter_names)
        if not adapter_names:
            return
        if len(adapter_names) > 1:
            raise ValueError("BitFit can merge one adapter at a time")
        base = self.get_base_layer()
        merged = self.bitfit_bias[adapter_names[0]].detach().to(base.weight.dtype).clone()
        if safe_merge and not torch.isfinite(merged).all():
            raise ValueError(f"adapter {adapter_names[0]} has non-finite biases")
        self._unmerged_bias = base.bias
        base.bias = nn.Parameter(merged, requires_grad=False)
        self.merged_adapters.append(adapter_names[0])

    def unmerge(self) -> None:
        if not self.merged:
            warnings.warn("Already unmerged. Nothing to do.", stacklevel=2)
            return
        self.get_base_layer().bias = self._unmerged_bias
        self._unmerged_bias = None
        self.merged_adapters.pop()

    def __repr__(self) -> str:
        return "bitfit." + super().__repr__()


class BitFitModel(BaseTuner):
    """The peft tuner: wraps every targeted Linear/Conv1D in a `BitFitLayer`."""

    prefix: str = "bitfit_"
    tuner_layer_cls = BitFitLayer
    target_module_mapping: ClassVar[dict[str, list[str]]] = {}

    @property
    def added_bias_modules(self) -> list[str]:
        """Modules that got a zero-initialised bias, for the active adapter."""
        return list(self.peft_config[self.active_adapters[0]].added_bias_modules)

    def _prepare_adapter_config(self, peft_config: PeftConfig, model_config: dict) -> PeftConfig:
        """Default targets come from peftbench's role table, so there is one table of names."""
        if peft_config.target_modules is None:
            peft_config.target_modules = resolve_targets(model_config["model_type"], DEFAULT_ROLES)
        return peft_config

    def _pre_injection_hook(self, model: nn.Module, config: PeftConfig, adapter_name: str) -> None:
        # A config loaded from adapter_config.json carries the list of the run that saved it; it is
        # recomputed here, from the model at hand.
        config.added_bias_modules = []

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
        base = target.get_base_layer() if isinstance(target, BitFitLayer) else target
        if getattr(base, "bias", None) is None:
            if not peft_config.add_missing_bias:
                return
            peft_config.added_bias_modules.append(current_key)
        if isinstance(target, BitFitLayer):
            target.update_layer(adapter_name, peft_config.inference_mode, peft_config.bias_init)
            return
        new_module = BitFitLayer(target)
        new_module._active_adapter = adapter_name
        new_module.update_layer(adapter_name, peft_config.inference_mode, peft_config.bias_init)
        if adapter_name not in self.active_adapters:
            new_module.requires_grad_(False)
        self._replace_module(parent, target_name, new_module, target)


register_native_peft_method("bitfit", BitFitConfig, BitFitModel)

__all__ = ["BIAS_INITS", "DEFAULT_ROLES", "BitFitConfig", "BitFitLayer", "BitFitModel"]
