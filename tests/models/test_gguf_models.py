"""GGUF-backed models: a local file as `gguf:PATH`, and the registered Gemma 3 270M.

The GGUF file is written by the test (`gguf_writer.py`, with the `gguf` package), so nothing is
downloaded. Outcomes checked: the loaded model computes the same logits as the model written into
the file, the conversion happens once and is cached by content, a cell trains and evaluates on it,
bad paths fail before any run with exit code 2, and Gemma's target roles name real modules.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from gguf_writer import write_tiny_gguf

from peftbench.errors import UserError
from peftbench.models.hub import resolve


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    path = tmp_path_factory.mktemp("gguf") / "tiny-llama.gguf"
    return path, write_tiny_gguf(path)


def test_local_gguf_loads_the_model_it_holds(tiny_gguf: tuple[Path, object]) -> None:
    import torch

    path, original = tiny_gguf
    loaded = resolve(f"gguf:{path}").load({})
    ids = torch.tensor([[5, 70, 104, 101, 108, 108, 111, 32]])
    with torch.no_grad():
        want, got = original(ids).logits, loaded.model(ids).logits  # type: ignore[operator]
    assert torch.allclose(want, got, atol=1e-5)
    assert loaded.model_type == "llama"
    text = "Is 3+4 seven?"
    assert loaded.tokenizer.decode(loaded.tokenizer(text)["input_ids"]) == text
    assert loaded.tokenizer.chat_template  # the file's template came along
    prov = loaded.provenance
    assert prov["gguf"] == path.name and len(prov["sha256"]) == 64
    assert prov["path"] == str(path.resolve())


def test_conversion_is_cached_by_content(tiny_gguf: tuple[Path, object], tmp_path: Path) -> None:
    path, _ = tiny_gguf
    folder = resolve(f"gguf:{path}").prepare()  # type: ignore[misc]
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    copy = tmp_path / "renamed.gguf"
    copy.write_bytes(path.read_bytes())
    assert resolve(f"gguf:{copy}").prepare() == folder  # type: ignore[misc]
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp


def test_bad_gguf_paths_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no GGUF file"):
        resolve(f"gguf:{tmp_path / 'missing.gguf'}")
    not_gguf = tmp_path / "weights.gguf"
    not_gguf.write_text("hello")
    with pytest.raises(UserError, match="not a GGUF file"):
        resolve(f"gguf:{not_gguf}")


def peftbench(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "peftbench", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_missing_gguf_exits_2_before_any_run(tmp_path: Path) -> None:
    proc = peftbench("run", "smoke", "--dry-run", "--set", "models=[gguf:nope.gguf]", cwd=tmp_path)
    assert proc.returncode == 2
    assert "nope.gguf" in proc.stderr and "no GGUF file" in proc.stderr


def test_a_cell_trains_and_evaluates_on_a_gguf_model(
    tiny_gguf: tuple[Path, object], tmp_path: Path
) -> None:
    import json

    path, _ = tiny_gguf
    sets = [
        f"models=[gguf:{path}]",
        "methods=[lora]",
        "datasets=[toy-addition]",
        "training.max_steps=3",
        "evaluation.max_eval_examples=8",
    ]
    args = [arg for s in sets for arg in ("--set", s)]
    out = tmp_path / "out"
    proc = peftbench("run", "smoke", "--out", str(out), "--no-progress", *args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run,) = (out / "runs").iterdir()
    assert json.loads((run / "status.json").read_text())["status"] == "ok"
    prov = json.loads((run / "provenance.json").read_text())
    assert prov["model"]["sha256"] and prov["model"]["gguf"] == path.name
    assert json.loads((run / "efficiency.json").read_text())["trainable_params"] > 0


def test_gemma3_is_registered_and_its_targets_name_real_modules() -> None:
    from transformers import AutoModelForCausalLM, Gemma3TextConfig

    from peftbench.models import MODELS
    from peftbench.models.targets import ROLES, resolve_targets

    assert "gemma3-270m" in MODELS
    cfg = Gemma3TextConfig(
        vocab_size=64,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=16,
    )
    model = AutoModelForCausalLM.from_config(cfg)
    names = [n for n, _ in model.named_modules()]
    for role in ROLES:
        for target in resolve_targets(cfg.model_type, [role]):
            hits = [n for n in names if n == target or n.endswith("." + target)]
            assert hits, f"role {role} -> {target} matches no module of {cfg.model_type}"


def test_gemma3_refuses_chunks_that_do_not_join_to_the_published_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from peftbench.models import gemma3

    monkeypatch.setattr(gemma3, "read_chunk", lambda part, chunk, tmp: b"not the model")
    with pytest.raises(UserError, match="sha256"), gemma3.assembled_gguf():
        pass
