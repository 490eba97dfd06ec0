"""The answer-only loss, projecting onto the vocabulary only where the loss needs it.

Training is answer-only (`training.data`): every label is -100 except the 1-4 answer tokens, so
HF's causal-LM loss projects every position onto the vocabulary and then ignores all but a few.
The LM head is a large share of a small model's forward pass (SmolLM2-135M: 49152 x 576, ~21 %
of the FLOPs; Gemma 3 270M: 262144 x 640, more than its whole transformer body). Here the model
is asked, through transformers' `logits_to_keep`, for the logits of the positions whose next
token is labelled only, and the loss is HF's (mean cross-entropy over the labelled tokens, the
same shift, logits upcast to float32) over those, so every method trains as it would with HF's
loss, up to float summation order.

How the kept positions line up with the model's sequence is a property of how peft wraps the
forward, read from the peft config (never from peftbench's method names): prompt learning that
prepends virtual tokens to the input embeddings (prompt tuning, P-tuning, multitask prompt
tuning) shifts them by `num_virtual_tokens`; one that passes a key/value cache (prefix tuning,
cartridges) does not. Everything else — a model whose forward takes no `logits_to_keep`, a peft
prompt-learning type not listed here, a peft tuner with a forward of its own (AdaLoRA adds its
orthogonality regulariser to the model's `.loss`) — takes the plain full-logits path, and the
plan says so (`LossPlan.path`, recorded in the run's train info), never silently.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from peftbench.models.virtual_tokens import PEFT_VIRTUAL_TOKENS, peft_type
from peftbench.training.data import IGNORE_INDEX

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch import Tensor
    from torch.nn import Module

Path = Literal["mask", "positions", "full"]


@dataclass(frozen=True)
class LossPlan:
    """How the loss gets its logits from one model.

    path: `mask` (a per-token boolean mask, only the labelled positions are projected),
    `positions` (the union over the batch of the labelled positions, for forwards that take
    only position indices) or `full` (every position, HF's loss); offset: the virtual tokens
    the wrapper prepends to the sequence; reason: why `full`, else "".
    """

    path: Path
    offset: int = 0
    reason: str = ""

    @property
    def label(self) -> str:
        """For the run record: which logits the loss used, and why all when it did."""
        return "labelled positions" if self.path != "full" else f"all positions ({self.reason})"


def loss_plan(model: Module) -> LossPlan:
    """The plan for `model` (a plain HF causal LM or a peft model around one)."""
    offset = 0
    base = model
    config = getattr(model, "active_peft_config", None)
    if config is not None:
        kind = peft_type(config)
        if config.is_prompt_learning:
            known = PEFT_VIRTUAL_TOKENS.get(kind)  # where peft puts the virtual tokens
            if known is None:
                return LossPlan("full", reason=f"peft {kind} places its prompt in an unknown way")
            if known.placement == "prepended":
                offset = int(config.num_virtual_tokens)
        elif _has_own_forward(model.base_model):
            return LossPlan("full", reason=f"peft {kind} tuner has its own forward")
        base = model.get_base_model()
    forward = type(base).forward
    if "logits_to_keep" not in inspect.signature(forward).parameters:
        return LossPlan("full", reason=f"{type(base).__name__} takes no logits_to_keep")
    module = inspect.getmodule(inspect.unwrap(forward))
    # transformers' slice_logits_to_keep takes a boolean (batch, sequence) mask; older forwards
    # slice `hidden[:, logits_to_keep]` and take only 1-D position indices.
    takes_mask = getattr(module, "slice_logits_to_keep", None) is not None
    return LossPlan("mask" if takes_mask else "positions", offset)


def _has_own_forward(tuner: object) -> bool:
    from peft.tuners.tuners_utils import BaseTuner

    return isinstance(tuner, BaseTuner) and type(tuner).forward is not BaseTuner.forward


def answer_logits(
    model: Module, batch: Mapping[str, Tensor], plan: LossPlan
) -> tuple[Tensor, Tensor]:
    """(logits as float32 rows, their target token ids with -100 where not labelled).

    Row r's logits predict target r: position t predicts the label at t + 1 (HF's shift).
    """
    import torch

    labels = batch["labels"]
    inputs = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
    targets = labels[:, 1:]
    labelled = targets != IGNORE_INDEX  # (batch, sequence - 1): position t's next token counts
    if plan.path == "full":
        logits = model(**inputs).logits[:, -labels.shape[1] :]  # past any virtual tokens
        return logits[:, :-1].float().flatten(0, 1), targets.flatten()
    if plan.path == "mask":
        keep = torch.nn.functional.pad(labelled, (plan.offset, 1), value=False)
        logits = model(**inputs, logits_to_keep=keep).logits  # (labelled tokens, vocab)
        return logits.float(), targets[labelled]
    cols = labelled.any(dim=0).nonzero().squeeze(1)
    logits = model(**inputs, logits_to_keep=cols + plan.offset).logits  # (batch, cols, vocab)
    return logits.float().flatten(0, 1), targets[:, cols].flatten()


def summed_loss(model: Module, batch: Mapping[str, Tensor], plan: LossPlan) -> tuple[Tensor, int]:
    """(summed cross-entropy over the labelled tokens of `batch`, how many there are)."""
    import torch

    logits, targets = answer_logits(model, batch, plan)
    total = torch.nn.functional.cross_entropy(
        logits, targets, ignore_index=IGNORE_INDEX, reduction="sum"
    )
    return total, int((targets != IGNORE_INDEX).sum())
