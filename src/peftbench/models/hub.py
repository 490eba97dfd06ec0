"""Models by hub id or local path (`resolve`), and the paper's model presets.

The loading itself (safetensors only, remote code off unless asked) is `models/pretrained.py`,
shared with the GGUF conversions (`models/gguf.py`), so neither imports the other's caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from peftbench.errors import UserError
from peftbench.models.base import MODELS, LoadedModel, ModelSpec, register
from peftbench.models.gguf import local_spec
from peftbench.models.pretrained import load_pretrained


def hub_spec(name: str, hub_id: str, description: str, needs_gpu: bool = True) -> ModelSpec:
    def load(options: Mapping[str, object]) -> LoadedModel:
        return load_pretrained(hub_id, options, name)

    return ModelSpec(name, description, f"HF hub: {hub_id}", load, needs_gpu=needs_gpu)


def resolve(name: str) -> ModelSpec:
    """A registered model, or an ad-hoc one for a local folder / `hf:<hub id>` / `gguf:<file>`."""
    if name.startswith("gguf:"):
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
