"""Training features: answer-only loss, truncation, padding.

Prompts come from `datasets.prompt`, the one place they are built, so training and evaluation see
byte-identical prompts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from peftbench.datasets.base import DatasetSpec, Example
from peftbench.datasets.prompt import answer_ids, prompt_ids

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch import Tensor
    from transformers import PreTrainedTokenizerBase as Tokenizer

IGNORE_INDEX = -100


def train_features(
    tokenizer: Tokenizer, spec: DatasetSpec, examples: Sequence[Example], max_length: int
) -> list[dict[str, list[int]]]:
    """input_ids + labels with the prompt masked out (loss on the answer only).

    A prompt too long for `max_length` loses tokens from its left end (the instruction at the end
    of the chat turn and the answer are kept).
    """
    feats = []
    for ex in examples:
        p, a = prompt_ids(tokenizer, spec, ex), answer_ids(tokenizer, ex)
        a = a[:max_length]
        p = p[max(0, len(p) + len(a) - max_length) :]
        feats.append({"input_ids": p + a, "labels": [IGNORE_INDEX] * len(p) + a})
    return feats


class PadCollator:
    """Right-pads a batch to its longest member (dynamic padding keeps CPU steps short)."""

    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id

    def __call__(self, batch: Sequence[dict[str, list[int]]]) -> dict[str, Tensor]:
        import torch

        width = max(len(b["input_ids"]) for b in batch)
        ids = torch.full((len(batch), width), self.pad_id, dtype=torch.long)
        labels = torch.full((len(batch), width), IGNORE_INDEX, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for i, b in enumerate(batch):
            n = len(b["input_ids"])
            ids[i, :n] = torch.tensor(b["input_ids"])
            labels[i, :n] = torch.tensor(b["labels"])
            mask[i, :n] = 1
        return {"input_ids": ids, "labels": labels, "attention_mask": mask}
