"""Where peft's prompt-learning types put their virtual tokens: one table for the decoder and the
training loss (both need it, and two copies drifted apart once already).

Keyed by PeftType value. `prepended`: V embeddings in front of the input embeddings (the text
then sits at positions V..; the loss shifts its labelled positions by V). `cache`: a V-entry
key/value cache passed as past key values (the text keeps positions 0..). `own_decoding`: the
decoder can build the virtual tokens itself and run the inner model (one padded batch); false
when only peft's forward can (multitask prompt tuning needs task ids). A prompt-learning type
not in the table (CPT, a newer peft type) is unknown: the decoder keeps peft's forward on
equal-length sub-batches and the loss takes HF's full path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from peft import PeftConfig
    from torch.nn import Module


@dataclass(frozen=True)
class VirtualTokens:
    placement: Literal["prepended", "cache"]
    own_decoding: bool


PEFT_VIRTUAL_TOKENS: dict[str, VirtualTokens] = {
    "PROMPT_TUNING": VirtualTokens("prepended", True),
    "P_TUNING": VirtualTokens("prepended", True),
    "MULTITASK_PROMPT_TUNING": VirtualTokens("prepended", False),  # needs task ids
    "PREFIX_TUNING": VirtualTokens("cache", True),
    "CARTRIDGE": VirtualTokens("cache", True),
}


def peft_type(config: PeftConfig) -> str:
    """A peft config's type as its PeftType value ("LORA", "PREFIX_TUNING", ...)."""
    kind = config.peft_type
    return str(getattr(kind, "value", kind))


def prompt_learning_config(model: Module) -> PeftConfig | None:
    """The active peft config when `model` is a peft prompt-learning model, else None."""
    config = getattr(model, "active_peft_config", None)
    return config if getattr(config, "is_prompt_learning", False) else None
