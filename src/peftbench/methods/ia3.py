"""IA3 (Liu et al. 2022) through HF peft: learned rescaling vectors, ones at init.

Two forms, one method:

- literature form (`paper_compat: false`, the preset): the FFN output projection (down_proj) is
  a feed-forward module, so IA3 scales its *input* (one value per intermediate unit), as the IA3
  paper does for the second FFN layer;
- PEFT-Bench's form (`paper_compat: true`, used by the `paper` suite): the original passed
  `feedforward_modules` as the *string* "down_proj". peft reads a string as a regular expression
  that must match a module's full path ("model.layers.0.mlp.down_proj"), so it matched nothing
  and down_proj was treated like k/v: its *output* is scaled (one value per hidden unit). Here the
  same string goes to peft, so the paper's behaviour is reproduced by the same mechanism.

Trainable parameters on Llama: per layer k (kv width) + v (kv width) + down_proj's input
(intermediate size; literature) or output (hidden size; paper_compat).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from peftbench.errors import UserError
from peftbench.methods._checks import names
from peftbench.methods.base import Method, Params, register
from peftbench.models.targets import resolve_targets

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch.nn import Module

    from peftbench.models.base import LoadedModel

PAPER = "PEFT-Bench (PEFT-Factory examples/peftbench/ia3/llama-3-8b-instruct/train.yaml)"


def build(model: Module, loaded: LoadedModel, params: Params) -> Module:
    from peft import IA3Config, TaskType, get_peft_model

    p = dict(params)
    paper_compat = bool(p.pop("paper_compat", False))
    targets = resolve_targets(loaded.model_type, names(p.pop("target_modules"), "target_modules"))
    ff_names = [
        m
        for m in resolve_targets(
            loaded.model_type, names(p.pop("feedforward_modules"), "feedforward_modules")
        )
        if m
    ]
    if paper_compat:
        # the original's string: a full-path regex that matches no module (see module docstring)
        feedforward: str | list[str] = "|".join(ff_names)
    else:
        feedforward = [m for m in ff_names if m in targets]
    peft_model = get_peft_model(
        model,
        IA3Config(
            task_type=TaskType.CAUSAL_LM,
            target_modules=targets,
            feedforward_modules=feedforward,
            **p,
        ),
    )
    peft_model.peftbench_notes = {
        "ia3_form": "paper_compat: FFN output scaled" if paper_compat else "literature",
    }
    return peft_model


def check(params: Mapping[str, object], where: str) -> None:
    """`feedforward_modules` names modules among the targets (peft requires a subset)."""
    ff, targets = params.get("feedforward_modules"), params.get("target_modules")
    if isinstance(ff, list) and isinstance(targets, list):
        missing = [m for m in ff if m not in targets]
        if missing:
            raise UserError(
                f"'{where}.feedforward_modules' names {missing}, which are not in "
                f"'{where}.target_modules' {targets}",
                "feed-forward modules must also be targets (IA3 scales only targeted modules)",
            )


register(
    Method(
        name="ia3",
        family="additive",
        provider="peft",
        description="learned rescaling vectors on keys, values and the FFN (ones at init); "
        "paper_compat: true reproduces PEFT-Bench (down_proj's output scaled)",
        build=build,
        preset={
            "learning_rate": 5e-5,
            "target_modules": ["key", "value", "ffn_out"],
            "feedforward_modules": ["ffn_out"],
            "paper_compat": False,
        },
        sources={
            "learning_rate": f"{PAPER}: learning_rate 5.0e-5",
            "target_modules": f"{PAPER}: k_proj, v_proj, down_proj",
            "feedforward_modules": "IA3 (Liu et al. 2022): the FFN's second layer scales its "
            "input; the paper named down_proj too, as a string peft never matched",
            "paper_compat": "peftbench: false = literature form; the `paper` suite sets true",
        },
        check=check,
        mergeable=True,
        identity_at_init=True,
        source="PEFT-Bench paper (k/v/down_proj, lr 5e-5); down_proj scaled on its input as "
        "in the IA3 paper (paper_compat: true scales its output, as PEFT-Bench did)",
    )
)
