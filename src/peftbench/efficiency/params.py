"""Parameter counts and adapter size on disk: the one definition of each.

- trainable: parameters with requires_grad once the method wrapped the model (unique tensors);
- stored (`adapter_params`): elements of the tensors in the saved adapter's safetensors files;
- needed at inference (`inference_params`) and trained but dropped (`train_only_params`):
  compared on the deployed form of the model (`inference_counts`, efficiency/forms.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch.nn import Module


def count_parameters(model: Module) -> tuple[int, int]:
    """(trainable, total) over unique tensors (tied weights counted once)."""
    seen: set[int] = set()
    trainable = total = 0
    for p in model.parameters():
        if id(p) in seen:
            continue
        seen.add(id(p))
        total += p.numel()
        if p.requires_grad:
            trainable += p.numel()
    return trainable, total


def save_adapter(model: Module, folder: Path) -> dict[str, int]:
    """Save what the method trained; report stored parameters and bytes on disk.

    PEFT models save only their adapter; a model without adapter (frozen) saves nothing.
    """
    if not hasattr(model, "peft_config"):
        return {"adapter_params": 0, "adapter_bytes": 0, "adapter_weights_bytes": 0}
    model.save_pretrained(str(folder))
    from safetensors import safe_open

    weights = sorted(folder.rglob("*.safetensors"))
    stored = 0
    for f in weights:
        with safe_open(str(f), framework="pt") as fh:
            for key in fh.keys():
                stored += _numel(fh.get_slice(key).get_shape())
    return {
        "adapter_params": stored,
        "adapter_bytes": sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()),
        "adapter_weights_bytes": sum(f.stat().st_size for f in weights),
    }


def inference_counts(trained: Module, deployed: Module, base_params: int) -> dict[str, int]:
    """Parameters the deployed model adds to the base, and trainable ones it does without.

    `deployed` is the model as the saved adapter is used. A trainable tensor counts as dropped
    when the deployed model has no tensor of the same name and shape: prefix tuning's projection
    MLP and P-tuning's prompt encoder are trained, but peft saves only their output.
    """
    kept = {(n, tuple(p.shape)) for n, p in deployed.named_parameters()}
    dropped = sum(
        p.numel()
        for n, p in trained.named_parameters()
        if p.requires_grad and (n, tuple(p.shape)) not in kept
    )
    return {
        "inference_params": count_parameters(deployed)[1] - base_params,
        "train_only_params": dropped,
    }


def _numel(shape: list[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n
