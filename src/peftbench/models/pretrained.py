"""Loading any HF causal LM from a hub id or a local folder: the one loader of every model.

Weights load from safetensors only (`use_safetensors=True`) and remote code stays off unless the
suite sets `model_options.trust_remote_code: true`. torch and transformers are imported inside
`load_pretrained`, so importing this module (for `peftbench ls`) stays light.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, get_args

from peftbench.config.schema import Dtype
from peftbench.errors import UserError
from peftbench.models.base import LoadedModel

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch.nn import Module
    from transformers import PreTrainedTokenizerBase as Tokenizer

DTYPES: tuple[str, ...] = get_args(Dtype)  # one list: the schema's


def load_pretrained(path_or_id: str, options: Mapping[str, object], name: str) -> LoadedModel:
    """Tokenizer + model from a hub id or a local folder, with peftbench's safety defaults."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dtype = str(options.get("dtype", "float32"))
    if dtype not in DTYPES:
        raise UserError(f"model_options.dtype '{dtype}' is not one of {', '.join(DTYPES)}")
    trust = bool(options.get("trust_remote_code", False))
    revision = options.get("revision")
    kwargs: dict[str, object] = {"trust_remote_code": trust, "revision": revision}
    try:
        tok = AutoTokenizer.from_pretrained(path_or_id, **kwargs)
        model = AutoModelForCausalLM.from_pretrained(
            path_or_id,
            dtype=getattr(torch, dtype) if dtype != "auto" else "auto",
            use_safetensors=True,
            **kwargs,
        )
    except OSError as exc:
        raise UserError(
            f"could not load model '{path_or_id}': {str(exc).splitlines()[0]}",
            "give an existing local folder with config.json + *.safetensors, or a hub id "
            "reachable from this machine",
        ) from exc
    except ValueError as exc:
        if "trust_remote_code" not in str(exc):
            raise
        raise UserError(
            f"model '{path_or_id}' needs to run its own Python code to load, and "
            "model_options.trust_remote_code is off",
            "read that code first; if you trust it, set model_options.trust_remote_code: true "
            "(or --set model_options.trust_remote_code=true)",
        ) from exc
    return finish(name, model, tok, {"source": str(path_or_id), "revision": revision})


def finish(name: str, model: Module, tok: Tokenizer, provenance: dict[str, object]) -> LoadedModel:
    """Common touches: a pad token, eval mode, and the model's type for target resolution."""
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    model.generation_config.pad_token_id = tok.pad_token_id
    model.eval()
    return LoadedModel(name, model, tok, model.config.model_type, provenance)
