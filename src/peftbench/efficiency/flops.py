"""Forward FLOPs of one batch-1 pass over a fixed number of tokens (torch.utils.flop_counter).

The input is `n_tokens` fixed pseudo-random ids with a full attention mask; the count is what
`FlopCounterMode` attributes to matrix products (a multiply-add counts 2), including the logits
over every position. Elementwise work (norms, activations, softmax) is not counted.

Why a custom entry: torch's counter knows the CUDA attention kernels (flash, efficient, cuDNN),
but on CPU it sees `aten.scaled_dot_product_attention` itself, which has no formula, so the
attention products would silently count zero there. We add that op with torch's own formula
(q@k^T and scores@v over every query-key pair, causal masking not subtracted, as torch counts
the CUDA kernels), so the figure is the same on either device.
"""

from __future__ import annotations

from typing import Any


def _sdpa_flops(query: Any, key: Any, value: Any, *args: Any, out_shape: Any = None, **kw: Any):
    from torch.utils.flop_counter import sdpa_flop_count

    return sdpa_flop_count(query, key, value)


def attention_mapping() -> dict[Any, Any]:
    import torch

    aten = torch.ops.aten
    mapping = {aten.scaled_dot_product_attention: _sdpa_flops}
    cpu_flash = getattr(aten, "_scaled_dot_product_flash_attention_for_cpu", None)
    if cpu_flash is not None:
        mapping[cpu_flash] = _sdpa_flops
    return mapping


def forward_flops(model: Any, n_tokens: int, vocab_size: int) -> int:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    device = next(model.parameters()).device
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(3, max(4, vocab_size - 1), (1, n_tokens), generator=gen).to(device)
    counter = FlopCounterMode(display=False, custom_mapping=attention_mapping())
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode(), counter:
            model(input_ids=ids, attention_mask=torch.ones_like(ids))
    finally:
        model.train(was_training)
    return int(counter.get_total_flops())
