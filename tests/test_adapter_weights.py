"""The damage fixture's generated adapter weights are the bytes its records hash (not damage)."""

from __future__ import annotations

import hashlib
import json

from adapter_weights import DAMAGE, WEIGHTS, safetensors_bytes


def test_generated_weights_match_the_recorded_hashes() -> None:
    spec = json.loads((DAMAGE / "adapter_shapes.json").read_text())["runs"]
    assert spec, "no run listed in adapter_shapes.json"
    for run, shapes in spec.items():
        data = safetensors_bytes(shapes)
        status = json.loads((DAMAGE / "results" / "runs" / run / "status.json").read_text())
        recorded = status["files"][WEIGHTS]
        assert recorded["bytes"] == len(data), run
        assert recorded["sha256"] == hashlib.sha256(data).hexdigest(), run


def test_generated_weights_load_as_safetensors() -> None:
    from safetensors import safe_open

    spec = json.loads((DAMAGE / "adapter_shapes.json").read_text())["runs"]
    run, shapes = next(iter(spec.items()))
    path = DAMAGE / "results" / "runs" / run / WEIGHTS
    with safe_open(str(path), framework="pt") as f:
        assert sorted(f.keys()) == sorted(shapes)
        for name in shapes:
            assert list(f.get_slice(name).get_shape()) == shapes[name]
