"""The forms of an adapted model that inference figures are measured on.

`deployed`: the model as a user runs the *saved* adapter. For adapters injected into the base
layers (LoRA, IA3, bottleneck, BitFit) that is the trained model itself, in eval mode. For peft's
prompt-learning methods it is not: prefix tuning's projection MLP and P-tuning's prompt encoder
run on every forward during training, but `save_pretrained` stores only their *output* (the
virtual-token embeddings / key-value prefixes), so a deployed model never runs them. Their
inference figures are therefore taken on a copy of the base model with the saved adapter loaded,
exactly as `PeftModel.from_pretrained` gives it to users.

`merged`: for methods that can merge, the adapter folded into the base weights
(`merge_and_unload` on a deep copy, so the trained model is untouched and the result has the
base architecture). If the copy does not fit in memory, peft's in-place `merge_adapter` is used
and undone afterwards with `unmerge_adapter`; the record says which.

Each form yields the largest absolute difference between its last-position logits and the
trained model's on the latency prompt: a figure measured on a form that computes something else
would be worthless, so the difference is recorded next to it.
"""

from __future__ import annotations

import copy
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch import Tensor
    from torch.nn import Module


def is_prompt_learning(model: Module) -> bool:
    config = getattr(model, "active_peft_config", None)
    return bool(getattr(config, "is_prompt_learning", False))


def last_logits(model: Module, prompt: list[int]) -> Tensor:
    import torch

    device = next(model.parameters()).device
    ids = torch.tensor([prompt], device=device)
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            logits = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
    finally:
        model.train(was_training)
    return logits[:, -1, :].float().cpu()


def max_gap(a: Tensor, b: Tensor) -> float:
    return float((a - b).abs().max())


def copy_model(model: Module) -> Module:
    """A full, independent copy (raises MemoryError / CUDA OOM when it does not fit)."""
    return copy.deepcopy(model)


def _release() -> None:
    gc.collect()
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except ImportError:
        pass


@contextmanager
def deployed(
    model: Module, adapter_dir: Path, reload: Callable[[Module, Path], Module] | None = None
) -> Iterator[tuple[Module, str]]:
    """Yield (model to measure, description of the form).

    `reload(base, folder)` loads the saved adapter onto `base` (default: peft's from_pretrained).
    """
    if not is_prompt_learning(model) or not (adapter_dir / "adapter_config.json").is_file():
        yield model, "trained model, eval mode"
        return
    if reload is None:
        from peft import PeftModel

        def reload(base: Module, folder: Path) -> Module:
            return PeftModel.from_pretrained(base, str(folder))

    try:
        base = copy_model(model.get_base_model())
    except _out_of_memory():
        _release()
        yield model, "trained model, eval mode (no memory for a copy with the saved adapter)"
        return
    reloaded = reload(base, adapter_dir).eval()
    try:
        yield reloaded, "saved adapter loaded on a copy of the base model (encoder dropped)"
    finally:
        del reloaded, base
        _release()


def _out_of_memory() -> tuple[type[BaseException], ...]:
    import torch

    return (MemoryError, torch.cuda.OutOfMemoryError)


@contextmanager
def merged(model: Module) -> Iterator[tuple[Module, str, bool]]:
    """Yield (merged model, how it was merged, whether it is a stand-alone copy).

    The trained model is unchanged afterwards."""
    try:
        clone = copy_model(model)
    except _out_of_memory():
        clone = None
        _release()
    if clone is not None:
        folded = clone.merge_and_unload().eval()
        try:
            yield folded, "merge_and_unload on a copy", True
        finally:
            del folded, clone
            _release()
        return
    model.merge_adapter()
    try:
        yield model, "merge_adapter in place, unmerge_adapter afterwards", False
    finally:
        model.unmerge_adapter()
