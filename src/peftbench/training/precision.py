"""Trainable weights in float32 whatever the base model's dtype (mixed precision, done once).

Why: peft keeps some tuners' trainable copies in the model's dtype (LN tuning's norms), and
`full`/`galore` train the model's own weights. In bf16 an AdamW update of 5e-5 on a weight near
1 is far below half a bf16 step (2^-9), so it rounds away and the method does not train at all.
So before the optimizer exists, every trainable tensor in bf16/fp16 becomes a float32 master
(the optimizer state follows, as it is created like its parameter). The frozen base stays in
its dtype; where float32 trainables and low-precision frozen weights meet, the model runs under
autocast to the base dtype (matmuls in bf16, the float32 weights are read at full precision),
installed as forward hooks so that training, evaluation, measurements and the merged form all
see it. A model with nothing to upcast (fp32 models; LoRA, whose adapters peft already keeps in
fp32) is left exactly as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only; importing them would import torch
    import torch
    from torch import Tensor
    from torch.nn import Module

LOW_PRECISION = ("bfloat16", "float16")


def _is_low(p: Tensor) -> bool:
    return str(p.dtype).removeprefix("torch.") in LOW_PRECISION


def fp32_trainables(model: Module) -> int:
    """Upcast the low-precision trainable parameters of `model` in place; return how many
    entries were upcast (0: the model is unchanged). Parameter objects keep their identity, so
    tied weights and anything holding a reference stay consistent."""
    import torch

    unique = {id(p): p for p in model.parameters()}.values()
    upcast = [p for p in unique if p.requires_grad and _is_low(p)]
    if not upcast:
        return 0
    frozen_low = [p.dtype for p in unique if not p.requires_grad and _is_low(p)]
    for p in upcast:
        p.data = p.data.to(torch.float32)
    if frozen_low:
        _autocast_forward(model, frozen_low[0])
    return sum(p.numel() for p in upcast)


def _autocast_forward(model: Module, dtype: torch.dtype) -> None:
    """Run `model`'s forward (and its inner transformers model's) under autocast to `dtype`."""
    import torch

    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    for module in {id(m): m for m in (model, inner)}.values():
        if getattr(module, "_peftbench_autocast", None) is not None:
            continue
        device = next(module.parameters()).device.type
        contexts: list[torch.autocast] = []

        def enter(
            mod: Module,
            args: tuple[object, ...],
            device: str = device,
            contexts: list[torch.autocast] = contexts,
        ) -> None:
            ctx = torch.autocast(device_type=device, dtype=dtype)
            ctx.__enter__()
            contexts.append(ctx)

        def leave(
            mod: Module,
            args: tuple[object, ...],
            out: object,
            contexts: list[torch.autocast] = contexts,
        ) -> None:
            contexts.pop().__exit__(None, None, None)

        module.register_forward_pre_hook(enter)
        module.register_forward_hook(leave, always_call=True)
        module._peftbench_autocast = dtype
