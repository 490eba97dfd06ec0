"""The LoRA adapter weights of the checked-in damage fixture (tests/data/damage/results), written
at test time instead of kept in git: model weight files do not belong in the repository.

The readers under test (show, report, compare, pack/merge) never load the weights; they check
the adapter's bytes against the sha256 and size its status.json recorded. So the bytes only need
to be a valid safetensors file of the adapter's real tensor names and shapes, identical on every
machine: values come from a fixed formula, packed by hand (no torch or numpy), and status.json
records the hash of exactly these bytes.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

DAMAGE = Path(__file__).parent / "data" / "damage"
WEIGHTS = "adapter/adapter_model.safetensors"


def safetensors_bytes(shapes: dict[str, list[int]]) -> bytes:
    """A float32 safetensors file of `shapes` (name -> shape), value i of a tensor = sin(i)/100."""
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    data = bytearray()
    for name in sorted(shapes):
        count = math.prod(shapes[name])
        start = len(data)
        data += struct.pack(f"<{count}f", *(math.sin(i) / 100.0 for i in range(count)))
        header[name] = {"dtype": "F32", "shape": shapes[name], "data_offsets": [start, len(data)]}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the format aligns the data to 8 bytes
    return struct.pack("<Q", len(text)) + text + bytes(data)


def write_adapter_weights(root: Path = DAMAGE / "results") -> None:
    """Write each run's adapter weights where they are missing (idempotent)."""
    spec = json.loads((DAMAGE / "adapter_shapes.json").read_text())["runs"]
    for run, shapes in spec.items():
        path = root / "runs" / run / WEIGHTS
        if not path.is_file():
            path.write_bytes(safetensors_bytes(shapes))
