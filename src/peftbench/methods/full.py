"""`full`: full fine-tuning, the upper baseline every PEFT method is measured against.

Every parameter trains. Runs do not write the trained weights: a full copy per run (hundreds of
MB to tens of GB) would dwarf everything else in a results folder and is not needed for any
recorded measurement; the record's note says so, and the stored adapter size is zero. A user
who wants the weights saves them with `model.save_pretrained`; `Method.load_saved` (here:
transformers' loader) reads them back. lr 2e-5: the usual full-fine-tuning rate for instruction
tuning of 1B-8B models (a PEFT learning rate such as 5e-5 is too large for all weights at once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peftbench.methods.base import Method, Params, register

if TYPE_CHECKING:  # annotations only
    from pathlib import Path

    from torch.nn import Module

    from peftbench.models.base import LoadedModel


def train_everything(model: Module, method: str) -> Module:
    """Make every parameter trainable and note in the run record that weights are not saved."""
    for p in model.parameters():
        p.requires_grad_(True)
    n = sum(p.numel() for p in model.parameters())
    model.peftbench_notes = (
        f"{method}: all {n} parameters train; the trained weights are not saved with the run "
        "(a full model copy per run), so the stored adapter size is 0"
    )
    return model


def build(model: Module, loaded: LoadedModel, params: Params) -> Module:
    return train_everything(model, "full fine-tuning")


def load(model: Module, loaded: LoadedModel, folder: Path) -> Module:
    """A model saved with `save_pretrained`, on `model`'s device and dtype."""
    from transformers import AutoModelForCausalLM

    ref = next(model.parameters())
    return AutoModelForCausalLM.from_pretrained(str(folder), dtype=ref.dtype).to(ref.device)


register(
    Method(
        name="full",
        family="full-parameter",
        provider="none",
        description="full fine-tuning: every parameter trains (weights not saved per run)",
        build=build,
        load=load,
        preset={"learning_rate": 2e-5},
        identity_at_init=True,
        baseline=True,
        source="documented default (lr 2e-5, usual for full instruction tuning)",
    )
)
