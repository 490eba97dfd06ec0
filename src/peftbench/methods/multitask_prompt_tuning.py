"""Multitask prompt tuning (Wang et al. 2023), single-task: a soft prompt that is the product of a
shared prompt and a task-specific rank-1 matrix. Through peft's `MultitaskPromptTuningConfig`.

peftbench trains one task per run, so this is MPT's source-training stage with one task
(`num_tasks=1`, task id 0): the shared prompt and the task's low-rank factors are learned
together. peft's MPT model needs `task_ids` in every forward call; a forward pre-hook on the
peft model supplies task 0 when the caller gives none, so the training loop, the evaluation
decoder and the measurements call it like any other model (the hook is attached again when a
saved adapter is loaded). 100 virtual tokens and lr 3e-2, as the paper's prompt tuning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peftbench.methods._peft import peft_build
from peftbench.methods.base import Method, Params, register

if TYPE_CHECKING:  # annotations only
    from pathlib import Path

    from torch.nn import Module

    from peftbench.models.base import LoadedModel

_build = peft_build("MultitaskPromptTuningConfig")


def _task_zero(
    module: Module, args: tuple[object, ...], kwargs: dict[str, object]
) -> tuple[tuple[object, ...], dict[str, object]]:
    import torch

    if kwargs.get("task_ids") is None:
        ref = kwargs.get("input_ids")
        if ref is None:
            ref = kwargs.get("inputs_embeds")
        if ref is None and args:
            ref = args[0]
        if not isinstance(ref, torch.Tensor):
            raise TypeError("multitask prompt tuning needs input_ids or inputs_embeds")
        kwargs["task_ids"] = torch.zeros(ref.shape[0], dtype=torch.long, device=ref.device)
    return args, kwargs


def with_task_ids(model: Module) -> Module:
    model.register_forward_pre_hook(_task_zero, with_kwargs=True)
    return model


def build(model: Module, loaded: LoadedModel, params: Params) -> Module:
    return with_task_ids(_build(model, loaded, {**params, "num_tasks": 1}))


def load(model: Module, loaded: LoadedModel, folder: Path) -> Module:
    from peft import PeftModel

    return with_task_ids(PeftModel.from_pretrained(model, str(folder)))


register(
    Method(
        name="multitask_prompt_tuning",
        family="prompt",
        provider="peft",
        description="soft prompt = shared prompt x task-specific rank-1 factors (one task)",
        build=build,
        load=load,
        preset={"learning_rate": 3e-2, "num_virtual_tokens": 100, "num_ranks": 1},
        source="PEFT-Bench paper's prompt-tuning preset (100 tokens, lr 3e-2); MPT rank 1",
    )
)
