"""QLoRA (Dettmers et al. 2023): LoRA on a base model quantised to 4-bit NF4.

Needs the `bitsandbytes` package and a CUDA GPU; without either, building fails with a UserError
that names what is missing (the grid records the run as failed and goes on). The base model
arrives loaded in full precision, so `build` quantises its decoder projections in place: every
`nn.Linear` inside the transformer blocks (targeted or not) becomes a bitsandbytes `Linear4bit`
(NF4, double quantisation, bf16 compute, as in the paper); embeddings, norms and the LM head stay
in higher precision. peft's `prepare_model_for_kbit_training` then casts the remaining
parameters to fp32 for stable training, and LoRA is attached with the paper's LoRA preset, so
the comparison with `lora` shows the cost of quantisation alone.

This path runs only on a CUDA machine; the test suite checks the error on machines without one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from peftbench.errors import UserError
from peftbench.methods._peft import LORA_PAPER, conv1d_to_linear, peft_config
from peftbench.methods.base import Method, Params, register
from peftbench.models.targets import uses_conv1d

if TYPE_CHECKING:  # annotations only
    from pathlib import Path

    from torch.nn import Module

    from peftbench.models.base import LoadedModel

# Module names inside the transformer blocks (Llama-style `layers.N.`, GPT-2 `h.N.`).
_BLOCK = re.compile(r".*\.(layers|h)\.\d+\..*")


def missing_pieces() -> list[str]:
    """What this machine lacks for QLoRA, in words (empty when it can run)."""
    import importlib.util  # beside torch: both only when QLoRA is asked for

    import torch

    missing = []
    if importlib.util.find_spec("bitsandbytes") is None:
        missing.append("the `bitsandbytes` package")
    if not torch.cuda.is_available():
        missing.append("a CUDA GPU")
    return missing


def _quantise_blocks(model: Module) -> int:
    """Swap every nn.Linear inside the transformer blocks for an NF4 `Linear4bit` on the GPU."""
    import bitsandbytes as bnb
    import torch

    count = 0
    for name, module in list(model.named_modules()):
        if not isinstance(module, torch.nn.Linear) or not _BLOCK.search(f".{name}"):
            continue
        q = bnb.nn.Linear4bit(
            module.in_features,
            module.out_features,
            bias=module.bias is not None,
            compute_dtype=torch.bfloat16,
            compress_statistics=True,
            quant_type="nf4",
        )
        q.weight = bnb.nn.Params4bit(
            module.weight.detach().to("cpu", torch.float16),
            requires_grad=False,
            compress_statistics=True,
            quant_type="nf4",
        )
        if module.bias is not None:
            q.bias = torch.nn.Parameter(module.bias.detach().clone(), requires_grad=False)
        parent, _, child = name.rpartition(".")
        setattr(model.get_submodule(parent), child, q.to("cuda"))  # .to(cuda) quantises
        count += 1
    return count


def _quantised_base(model: Module, loaded: LoadedModel) -> Module:
    """The base model with 4-bit blocks, ready for k-bit training (or a UserError)."""
    missing = missing_pieces()
    if missing:
        raise UserError(
            f"method 'qlora' needs {' and '.join(missing)}, which this machine lacks",
            "run qlora on a CUDA machine with `pip install bitsandbytes`, or use `lora` "
            "(same preset without 4-bit quantisation)",
        )
    from peft import prepare_model_for_kbit_training

    if uses_conv1d(loaded.model_type):
        conv1d_to_linear(model, _BLOCK.pattern)
    _quantise_blocks(model)  # block weights go to the GPU as 4-bit, never in full precision
    model = model.to("cuda")
    model.is_loaded_in_4bit = True  # read by peft to pick its 4-bit LoRA layers
    return prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)


def build(model: Module, loaded: LoadedModel, params: Params) -> Module:
    from peft import get_peft_model

    model = _quantised_base(model, loaded)
    config = peft_config("LoraConfig", loaded.model_type, params, linear_only=True)
    return get_peft_model(model, config)


def load(model: Module, loaded: LoadedModel, folder: Path) -> Module:
    from peft import PeftModel

    return PeftModel.from_pretrained(_quantised_base(model, loaded), str(folder))


register(
    Method(
        name="qlora",
        family="reparameterised",
        provider="peft",
        description="LoRA on a 4-bit NF4-quantised base model (needs bitsandbytes and a CUDA GPU)",
        build=build,
        preset=dict(LORA_PAPER),
        mergeable=False,
        identity_at_init=False,  # the quantised base differs from the base
        needs_gpu=True,
        load=load,
        source="PEFT-Bench paper's LoRA preset on an NF4 base (QLoRA paper's quantisation)",
    )
)
