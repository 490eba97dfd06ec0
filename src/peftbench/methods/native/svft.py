"""SVFT (Lingam et al. 2024): singular-vector-guided fine-tuning, as a native peft tuner.

HF peft has no SVFT, so this is a small tuner of our own, registered with peft's hook (like
BitFit and the bottleneck adapters) so that it saves and loads as any peft adapter.

Each targeted weight W (out x in) is decomposed once, W = U diag(s) Vh (thin SVD, k = min(out,
in)). The update is ``dW = U M Vh`` with M a sparse k x k matrix whose non-zeros are trained:
the diagonal (`off_diag=0`, the paper's SVFT-P "plain" variant) or a band of `off_diag`
diagonals on each side (SVFT-B). M starts at zero, so the model is unchanged at init. The layer
computes ``base(x) + ((x @ Vh.T) M.T) @ U.T``, with M applied band by band, never densely.

U and Vh are fixed functions of the frozen base weight, so they are kept as non-persistent
buffers and recomputed when the adapter is created or loaded; the saved adapter holds only M's
non-zeros. (The SVD of a given matrix on a given machine is deterministic, so reloading
reproduces the trained model.) Mergeable: merging adds U M Vh to the weight.

Trainable parameters per targeted weight: k + 2 * sum_{j=1..d} (k - j), d = off_diag.
Cost: U and Vh together hold about as many numbers as the weight itself (k*(out+in)), and the
SVD runs once per targeted weight at build and at load (seconds per large matrix on a GPU).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import ClassVar

import torch
from peft.config import PeftConfig
from peft.tuners.tuners_utils import BaseTuner, BaseTunerLayer, check_adapters_to_merge
from peft.utils import PeftType
from torch import nn
from transformers.pytorch_utils import Conv1D

from peftbench.methods.native._peft_hook import _add_peft_type, register_native_peft_method

_add_peft_type("SVFT")  # before the config class, whose __post_init__ names it


@dataclass
class SVFTConfig(PeftConfig):
    """Configuration of SVFT (see the module docstring)."""

    target_modules: list[str] | str | None = field(
        default=None, metadata={"help": "Linear/Conv1D name suffixes (or a regex) to adapt"}
    )
    exclude_modules: list[str] | str | None = field(default=None)
    modules_to_save: list[str] | None = field(default=None)
    off_diag: int = field(
        default=0, metadata={"help": "trained diagonals on each side of M's main diagonal"}
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        self.peft_type = PeftType.SVFT
        if int(self.off_diag) < 0:
            raise ValueError(f"off_diag must be >= 0, got {self.off_diag}")


def band_size(k: int, off_diag: int) -> int:
    """Number of trained entries of a k x k band with `off_diag` diagonals on each side."""
    d = min(off_diag, k - 1)
    return k + 2 * sum(k - j for j in range(1, d + 1))


class SVFTLayer(nn.Module, BaseTunerLayer):
    """Wraps one Linear/Conv1D; adds ``U M Vh`` for the active adapter."""

    adapter_layer_names = ("svft_m",)
    other_param_names = ("svft_off_diag",)

    def __init__(self, base_layer: nn.Module) -> None:
        super().__init__()
        if not isinstance(base_layer, (nn.Linear, Conv1D)):
            raise TypeError(f"SVFT supports nn.Linear and Conv1D, not {type(base_layer).__name__}")
        self.base_layer = base_layer
        self.svft_m = nn.ParameterDict()
        self.svft_off_diag: dict[str, int] = {}
        self._disable_adapters = False
        self.merged_adapters: list[str] = []
        self._decompose()

    def _weight_out_in(self) -> torch.Tensor:
        """The base weight as (out, in), whatever the layer type stores."""
        base = self.get_base_layer()
        return base.weight if isinstance(base, nn.Linear) else base.weight.T

    def _decompose(self) -> None:
        w = self._weight_out_in().detach()
        u, _, vh = torch.linalg.svd(w.float(), full_matrices=False)
        self.register_buffer("svft_u", u.to(w.dtype), persistent=False)
        self.register_buffer("svft_vh", vh.to(w.dtype), persistent=False)

    @property
    def rank(self) -> int:
        return self.svft_u.shape[1]

    def update_layer(self, adapter_name: str, off_diag: int, inference_mode: bool) -> None:
        d = min(int(off_diag), self.rank - 1)
        self.svft_off_diag[adapter_name] = d
        size = band_size(self.rank, d)
        w = self._weight_out_in()
        self.svft_m[adapter_name] = nn.Parameter(torch.zeros(size, device=w.device, dtype=w.dtype))
        self.set_adapter(self.active_adapters, inference_mode=inference_mode)

    def _apply_m(self, z: torch.Tensor, adapter: str) -> torch.Tensor:
        """z @ M.T for the banded M of `adapter` (z: (..., k)), one diagonal at a time."""
        k, d = self.rank, self.svft_off_diag[adapter]
        values = self.svft_m[adapter].to(z.dtype)
        out = z * values[:k]
        start = k
        for j in range(1, d + 1):
            upper = values[start : start + k - j]  # M[i, i + j]
            lower = values[start + k - j : start + 2 * (k - j)]  # M[i + j, i]
            start += 2 * (k - j)
            out = out + nn.functional.pad(z[..., j:] * upper, (0, j))
            out = out + nn.functional.pad(z[..., :-j] * lower, (j, 0))
        return out

    def delta_weight(self, adapter: str) -> torch.Tensor:
        """U M Vh as (out, in)."""
        eye = torch.eye(self.rank, device=self.svft_u.device, dtype=self.svft_u.dtype)
        m_t = self._apply_m(eye, adapter)  # row i is e_i @ M.T, so this is M.T
        return self.svft_u @ m_t.T @ self.svft_vh

    def forward(self, x: torch.Tensor, *args: object, **kwargs: object) -> torch.Tensor:
        out = self.base_layer(x, *args, **kwargs)
        if self.disable_adapters or self.merged:
            return out
        for name in self.active_adapters:
            if name not in self.svft_m:
                continue
            z = x.to(self.svft_vh.dtype) @ self.svft_vh.T
            out = out + (self._apply_m(z, name) @ self.svft_u.T).to(out.dtype)
        return out

    def merge(self, safe_merge: bool = False, adapter_names: list[str] | None = None) -> None:
        adapter_names = check_adapters_to_merge(self, adapter_names)
        base = self.get_base_layer()
        for name in adapter_names:
            delta = self.delta_weight(name).to(base.weight.dtype)
            delta = delta if isinstance(base, nn.Linear) else delta.T
            if safe_merge and not torch.isfinite(delta).all():
                raise ValueError(f"adapter {name} has non-finite values")
            base.weight.data += delta
            self.merged_adapters.append(name)

    def unmerge(self) -> None:
        if not self.merged:
            warnings.warn("Already unmerged. Nothing to do.", stacklevel=2)
            return
        base = self.get_base_layer()
        while self.merged_adapters:
            delta = self.delta_weight(self.merged_adapters.pop()).to(base.weight.dtype)
            base.weight.data -= delta if isinstance(base, nn.Linear) else delta.T

    def __repr__(self) -> str:
        return "svft." + super().__repr__()


class SVFTModel(BaseTuner):
    """The peft tuner: wraps every targeted Linear/Conv1D in an `SVFTLayer`."""

    prefix: str = "svft_"
    tuner_layer_cls = SVFTLayer
    target_module_mapping: ClassVar[dict[str, list[str]]] = {}

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
        if isinstance(target, SVFTLayer):
            target.update_layer(adapter_name, peft_config.off_diag, peft_config.inference_mode)
            return
        new_module = SVFTLayer(target)
        new_module._active_adapter = adapter_name
        new_module.update_layer(adapter_name, peft_config.off_diag, peft_config.inference_mode)
        if adapter_name not in self.active_adapters:
            new_module.requires_grad_(False)
        self._replace_module(parent, target_name, new_module, target)


register_native_peft_method("svft", SVFTConfig, SVFTModel)

__all__ = ["SVFTConfig", "SVFTLayer", "SVFTModel", "band_size"]
