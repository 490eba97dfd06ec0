"""Parameter counts and adapter size on disk: the one definition of each."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def count_parameters(model: Any) -> tuple[int, int]:
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


def save_adapter(model: Any, folder: Path) -> dict[str, Any]:
    """Save what the method trained; report stored parameters and bytes on disk.

    PEFT models save only their adapter; a model without adapter (frozen) saves nothing.
    """
    if not hasattr(model, "peft_config"):
        return {"adapter_params": 0, "adapter_bytes": 0}
    model.save_pretrained(str(folder))
    stored = 0
    from safetensors import safe_open

    for f in folder.rglob("*.safetensors"):
        with safe_open(str(f), framework="pt") as fh:
            for key in fh.keys():
                stored += _numel(fh.get_slice(key).get_shape())
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    return {"adapter_params": stored, "adapter_bytes": size}


def _numel(shape: list[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n
