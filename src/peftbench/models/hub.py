"""Loading any HF causal LM by hub id or local path, and the paper's model presets.

Weights load from safetensors only (`use_safetensors=True`) and remote code stays off unless the
suite sets `model_options.trust_remote_code: true`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args

from peftbench.config.schema import Dtype
from peftbench.errors import UserError
from peftbench.models.base import MODELS, LoadedModel, ModelSpec, register

DTYPES: tuple[str, ...] = get_args(Dtype)  # one list: the schema's


def load_pretrained(path_or_id: str, options: Mapping[str, Any], name: str) -> LoadedModel:
    """Tokenizer + model from a hub id or a local folder, with peftbench's safety defaults."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dtype = str(options.get("dtype", "float32"))
    if dtype not in DTYPES:
        raise UserError(f"model_options.dtype '{dtype}' is not one of {', '.join(DTYPES)}")
    trust = bool(options.get("trust_remote_code", False))
    revision = options.get("revision")
    kwargs: dict[str, Any] = {"trust_remote_code": trust, "revision": revision}
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


def finish(name: str, model: Any, tok: Any, provenance: dict[str, Any]) -> LoadedModel:
    """Common touches: a pad token, eval mode, and the model's type for target resolution."""
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    model.generation_config.pad_token_id = tok.pad_token_id
    model.eval()
    return LoadedModel(name, model, tok, model.config.model_type, provenance)


def hub_spec(name: str, hub_id: str, description: str, needs_gpu: bool = True) -> ModelSpec:
    def load(options: Mapping[str, Any]) -> LoadedModel:
        return load_pretrained(hub_id, options, name)

    return ModelSpec(name, description, f"HF hub: {hub_id}", load, needs_gpu=needs_gpu)


def resolve(name: str) -> ModelSpec:
    """A registered model, or an ad-hoc one for a local folder / `hf:<hub id>` / `gguf:<file>`."""
    if name.startswith("gguf:"):
        from peftbench.models.gguf import local_spec

        return local_spec(name)
    if name.startswith("hf:"):
        return hub_spec(name, name[3:], f"HF hub model {name[3:]}", needs_gpu=False)
    if Path(name).is_dir():
        return hub_spec(name, name, f"local model folder {name}", needs_gpu=False)
    if name not in MODELS and (name.startswith((".", "~")) or "/" in name or "\\" in name):
        hub = "" if name.startswith((".", "/", "~")) else f", a hub model as 'hf:{name}'"
        raise UserError(
            f"model '{name}' is not a registered model, and no folder exists at that path "
            f"(looked for {Path(name).expanduser().resolve()})",
            f"give the path of a folder holding config.json and *.safetensors{hub}, a GGUF file "
            "as 'gguf:PATH', or a name from `peftbench ls models`",
        )
    return MODELS.get(name)


PAPER_MODELS = {
    "llama-3-8b-instruct": "meta-llama/Meta-Llama-3-8B-Instruct",
    "llama-3.2-1b-instruct": "meta-llama/Llama-3.2-1B-Instruct",
    "gemma-3-1b-it": "google/gemma-3-1b-it",
    "mistral-7b-instruct-v0.3": "mistralai/Mistral-7B-Instruct-v0.3",
    "qwen3-1.7b": "Qwen/Qwen3-1.7B",
    "gpt2-xl": "openai-community/gpt2-xl",
}
for _name, _hub_id in PAPER_MODELS.items():
    register(hub_spec(_name, _hub_id, f"{_hub_id} (PEFT-Bench preset)"))
