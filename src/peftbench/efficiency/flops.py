"""Forward FLOPs of one batch-1 pass over a fixed number of tokens (torch.utils.flop_counter).

The input is `n_tokens` fixed pseudo-random ids with a full attention mask; the count is what
`FlopCounterMode` attributes to matrix products (a multiply-add counts 2), including the logits
over every position. Elementwise work (norms, activations, softmax) is not counted.

Why a custom entry: torch's counter knows the CUDA attention kernels (flash, efficient, cuDNN),
but on CPU it sees `aten.scaled_dot_product_attention` itself, which has no formula, so the
attention products would silently count zero there. We add that op with torch's own formula
(q@k^T and scores@v over every query-key pair, causal masking not subtracted, as torch counts
the CUDA kernels), so the figure is the same on either device.

On torch's meta device (shapes only: `peftbench ls methods --flops --model M`) the same forward
runs with no attention mask: an all-ones mask changes no product, and transformers reads its
values (to skip it), which a meta tensor cannot give. So a count on meta equals the count on a
real model of the same shapes (tests/efficiency/test_flops_meta.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch import Size
    from torch._ops import OpOverloadPacket
    from torch.nn import Module

# FlopCounterMode calls a formula with the shapes of the op's tensors (torch.Size), the other
# arguments as given, and the output's shape as `out_shape`
Formula = Callable[..., int]


def _sdpa_flops(
    query: Size, key: Size, value: Size, *args: object, out_shape: object = None, **kw: object
) -> int:
    from torch.utils.flop_counter import sdpa_flop_count

    return sdpa_flop_count(query, key, value)


def _sdpa_backward_flops(
    grad_out: Size, query: Size, key: Size, value: Size, *args: object, **kw: object
) -> int:
    from torch.utils.flop_counter import sdpa_backward_flop_count

    return sdpa_backward_flop_count(grad_out, query, key, value)


def attention_mapping() -> dict[OpOverloadPacket, Formula]:
    """Attention ops torch's counter has no formula for (the CPU ones), with torch's formulas.
    The backward entry matters for a training step counted on a CPU (`counted_flops`)."""
    import torch

    aten = torch.ops.aten
    mapping: dict[OpOverloadPacket, Formula] = {aten.scaled_dot_product_attention: _sdpa_flops}
    cpu_flash = getattr(aten, "_scaled_dot_product_flash_attention_for_cpu", None)
    if cpu_flash is not None:
        mapping[cpu_flash] = _sdpa_flops
    cpu_backward = getattr(aten, "_scaled_dot_product_flash_attention_for_cpu_backward", None)
    if cpu_backward is not None:
        mapping[cpu_backward] = _sdpa_backward_flops
    return mapping


def counted_flops(work: Callable[[], object]) -> int:
    """FLOPs of the matrix products and attention that `work()` runs (forward and, when it calls
    `backward`, the backward pass too), with the counting rules above. The benchmarks count one
    real training step this way, on the shapes it trains, for model FLOPs utilisation."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False, custom_mapping=attention_mapping())
    with counter:
        work()
    return int(counter.get_total_flops())


def forward_flops(model: Module, n_tokens: int, vocab_size: int) -> int:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    device = next(model.parameters()).device
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(3, max(4, vocab_size - 1), (1, n_tokens), generator=gen).to(device)
    mask = None if device.type == "meta" else torch.ones_like(ids)
    counter = FlopCounterMode(display=False, custom_mapping=attention_mapping())
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode(), counter:
            model(input_ids=ids, attention_mask=mask)
    finally:
        model.train(was_training)
    return int(counter.get_total_flops())
