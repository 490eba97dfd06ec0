"""GGUF files as models: de-quantise once into a safetensors folder in the cache, then load that.

Every GGUF-backed model goes through here: the registered ones shipped on the package index
(`smollm2-135m`, `gemma3-270m`) and any local file given as `gguf:PATH`. transformers reads the
GGUF (architecture, tokenizer, quantised tensors) and de-quantises it to float tensors; we save
that as safetensors once, keyed by the file's content, so later loads take well under a second
and never touch the quantised file again. The conversion runs torch ops, so `prepare` does it in
a child process before the grid starts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from tempfile import TemporaryDirectory

from peftbench.cache import atomic_copytree, cache_dir, sha256_file
from peftbench.errors import UserError
from peftbench.models.base import LoadedModel, ModelSpec
from peftbench.models.pretrained import load_pretrained

PREFIX = "gguf:"
MARKER = "peftbench-gguf.json"  # written last into a finished conversion: what it came from


def converted_dir(gguf: Path, key: str, meta: Mapping[str, object] | None = None) -> Path:
    """The safetensors copy of `gguf` under the cache name `key`, made on first use."""
    target = cache_dir() / "models" / key
    if (target / "model.safetensors").exists():
        return target

    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    except (ValueError, KeyError, OSError) as exc:  # unsupported architecture, tokenizer, file
        raise UserError(
            f"transformers could not load the GGUF file {gguf}: {str(exc).splitlines()[0]}",
            "the file must be a causal LM whose architecture transformers reads from GGUF "
            "(llama, mistral, qwen2, gemma3, gpt2, ...)",
        ) from exc
    # The de-quantised weights are plain float tensors; drop the GGUF marker so they can be saved.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    with TemporaryDirectory(dir=cache_dir()) as tmp:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        info = {"gguf": gguf.name, "sha256": sha256_file(gguf), **(meta or {})}
        (Path(tmp) / MARKER).write_text(json.dumps(info, indent=2), encoding="utf-8")
        atomic_copytree(Path(tmp), target)
    return target


def load_converted(folder: Path, options: Mapping[str, object], name: str) -> LoadedModel:
    """The converted folder through the one loader, with where it came from in the provenance."""

    loaded = load_pretrained(str(folder), options, name)
    marker = folder / MARKER
    if marker.is_file():
        loaded.provenance.update(json.loads(marker.read_text(encoding="utf-8")))
    loaded.provenance["note"] = "GGUF de-quantised to float32 safetensors once, in the cache"
    return loaded


def local_file(name: str) -> Path:
    """The file of a `gguf:PATH` model name; a clear error when it is missing or not GGUF."""
    path = Path(name[len(PREFIX) :]).expanduser()
    if not path.is_file():
        raise UserError(
            f"model '{name}': no GGUF file at {path.resolve()}",
            "give the path of a .gguf file, e.g. gguf:models/my-model.Q4_K_M.gguf",
        )
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic != b"GGUF":
        raise UserError(
            f"model '{name}': {path} is not a GGUF file (it does not start with 'GGUF')",
            "give a .gguf file (llama.cpp's format), or a folder with config.json + "
            "*.safetensors without the gguf: prefix",
        )
    return path


def local_spec(name: str) -> ModelSpec:
    """An ad-hoc model for `gguf:PATH`, cached by the file's content (a renamed copy reuses it)."""
    path = local_file(name)

    def folder() -> Path:
        return converted_dir(path, f"gguf-{sha256_file(path)[:16]}", {"path": str(path.resolve())})

    def load(options: Mapping[str, object]) -> LoadedModel:
        return load_converted(folder(), options, name)

    return ModelSpec(
        name=name,
        description=f"local GGUF file {path}",
        source=f"{path} (GGUF, converted once to safetensors in the cache)",
        load=load,
        prepare=folder,
    )
