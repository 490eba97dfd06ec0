"""How an example is shown to a model: the prompt (chat template when the model has one) and the
answer tokens. Built here and only here, so training and evaluation see byte-identical prompts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peftbench.datasets.base import DatasetSpec, Example

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from transformers import PreTrainedTokenizerBase as Tokenizer


def prompt_ids(tokenizer: Tokenizer, spec: DatasetSpec, example: Example) -> list[int]:
    """Prompt token ids up to where the answer starts (chat template when the model has one)."""
    system = example.system if example.system is not None else spec.system_prompt
    if getattr(tokenizer, "chat_template", None):
        messages = [{"role": "user", "content": example.prompt}]
        if system:
            messages.insert(0, {"role": "system", "content": system})
        ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
        if not isinstance(ids, list):  # transformers 5 returns a BatchEncoding
            ids = ids["input_ids"]
        return list(ids)
    text = (f"{system}\n\n" if system else "") + example.prompt
    return list(tokenizer(text + "\nAnswer: ", add_special_tokens=True)["input_ids"])


def answer_ids(tokenizer: Tokenizer, example: Example) -> list[int]:
    """The answer tokens followed by the end-of-turn token, so the model learns to stop."""
    ids = list(tokenizer(example.answer, add_special_tokens=False)["input_ids"])
    return [*ids, tokenizer.eos_token_id]
