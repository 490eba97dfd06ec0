"""Prompts and training features: chat-template wrapping, answer-only loss, padding.

The prompt is built here and only here, so training and evaluation see byte-identical prompts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from peftbench.datasets.base import DatasetSpec, Example

IGNORE_INDEX = -100


def prompt_ids(tokenizer: Any, spec: DatasetSpec, example: Example) -> list[int]:
    """Prompt token ids up to where the answer starts (chat template when the model has one)."""
    if getattr(tokenizer, "chat_template", None):
        messages = [{"role": "user", "content": example.prompt}]
        if spec.system_prompt:
            messages.insert(0, {"role": "system", "content": spec.system_prompt})
        ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
        if not isinstance(ids, list):  # transformers 5 returns a BatchEncoding
            ids = ids["input_ids"]
        return list(ids)
    text = (f"{spec.system_prompt}\n\n" if spec.system_prompt else "") + example.prompt
    return list(tokenizer(text + "\nAnswer: ", add_special_tokens=True)["input_ids"])


def answer_ids(tokenizer: Any, example: Example) -> list[int]:
    """The answer tokens followed by the end-of-turn token, so the model learns to stop."""
    ids = list(tokenizer(example.answer, add_special_tokens=False)["input_ids"])
    return [*ids, tokenizer.eos_token_id]


def train_features(
    tokenizer: Any, spec: DatasetSpec, examples: Sequence[Example], max_length: int
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

    def __call__(self, batch: Sequence[dict[str, list[int]]]) -> dict[str, Any]:
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
