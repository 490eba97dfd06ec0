"""General-text drift: perplexity before/after fine-tuning and KL(base || adapted) per token.

Both models see the same token windows (the sample cut into `window`-token chunks, each scored
on its own with a BOS-free causal forward), so the figures compare like with like. Position t's
next-token distribution predicts token t+1; a window of n tokens gives n-1 scored positions.

perplexity = exp(mean NLL); KL is the mean over scored positions of
sum_v p_base(v) (log p_base(v) - log p_adapted(v)), i.e. how far the adapted model's predictions
moved away from the base model's on text unrelated to the task.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from peftbench.json_types import JSONObject

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch import Tensor
    from torch.nn import Module


@dataclass(frozen=True)
class Drift:
    tokens: int  # scored positions
    ppl_base: float
    ppl: float
    kl_mean: float

    @property
    def ppl_delta(self) -> float:
        return self.ppl - self.ppl_base

    @property
    def ppl_delta_pct(self) -> float:
        return 100.0 * (self.ppl / self.ppl_base - 1.0)

    def as_record(self) -> JSONObject:
        return {
            "tokens": self.tokens,
            "ppl_base": self.ppl_base,
            "ppl": self.ppl,
            "ppl_delta": self.ppl_delta,
            "ppl_delta_pct": self.ppl_delta_pct,
            "kl_mean": self.kl_mean,
        }


def windows(ids: Sequence[int], window: int) -> Iterator[list[int]]:
    """Consecutive chunks of `window` tokens; a last chunk shorter than 2 tokens is dropped."""
    for lo in range(0, len(ids), window):
        chunk = list(ids[lo : lo + window])
        if len(chunk) >= 2:
            yield chunk


def perplexity(nll_sum: float, count: int) -> float:
    return math.exp(nll_sum / count)


def next_token_logprobs(model: Module, chunk: list[int]) -> Tensor:
    """log-softmax of the model's next-token logits at every position but the last (n-1, V).

    Prompt-learning models prepend virtual tokens: their logits come first, so the last n
    positions are the ones that belong to the chunk.
    """
    import torch

    device = next(model.parameters()).device
    ids = torch.tensor([chunk], device=device)
    with torch.inference_mode():
        logits = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
    logits = logits[0, -len(chunk) :, :].float()
    return torch.log_softmax(logits[:-1], dim=-1)


def chunk_figures(
    base_lp: Tensor, lp: Tensor, targets: Sequence[int]
) -> tuple[float, float, float]:
    """(NLL sum of the base, NLL sum of the adapted, KL sum) over one chunk's scored positions."""
    import torch

    tgt = torch.tensor(list(targets), device=lp.device).unsqueeze(1)
    nll_base = -base_lp.gather(1, tgt).sum()
    nll = -lp.gather(1, tgt).sum()
    kl = (base_lp.exp() * (base_lp - lp)).sum()
    return float(nll_base), float(nll), float(kl)


def measure_drift(base: Module, adapted: Module, ids: Sequence[int], window: int) -> Drift:
    """Both models in eval mode on the same windows; neither is modified."""
    states = (base.training, adapted.training)
    base.eval()
    adapted.eval()
    nll_base = nll = kl = 0.0
    count = 0
    try:
        for chunk in windows(ids, window):
            b, a, k = chunk_figures(
                next_token_logprobs(base, chunk), next_token_logprobs(adapted, chunk), chunk[1:]
            )
            nll_base, nll, kl, count = nll_base + b, nll + a, kl + k, count + len(chunk) - 1
    finally:
        base.train(states[0])
        adapted.train(states[1])
    if count == 0:
        raise ValueError("the general-text sample has fewer than 2 tokens")
    return Drift(count, perplexity(nll_base, count), perplexity(nll, count), kl / count)
