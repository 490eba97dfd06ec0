"""Forward FLOPs of one batch-1 pass over a fixed number of tokens (torch.utils.flop_counter)."""

from __future__ import annotations

from typing import Any


def forward_flops(model: Any, n_tokens: int, vocab_size: int) -> int:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    device = next(model.parameters()).device
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(3, max(4, vocab_size - 1), (1, n_tokens), generator=gen).to(device)
    counter = FlopCounterMode(display=False)
    with torch.inference_mode(), counter:
        model(input_ids=ids, attention_mask=torch.ones_like(ids))
    return int(counter.get_total_flops())
