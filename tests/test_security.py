"""Security defaults: no remote code unless asked, safetensors only, generated code only in the
sandbox.

The model folders here carry a payload that would create a marker file if it ever ran: custom
modeling code (auto_map) and a pickle weight file. The tests check the refusal *and* that the
marker never appears.
"""

from __future__ import annotations

import ast
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from peftbench.config.schema import ModelOptions
from peftbench.errors import UserError

SRC = Path(__file__).resolve().parents[1] / "src" / "peftbench"


class Payload:
    """Unpickling this runs `open(marker, "w")`, the way a malicious weight file would."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (open, (str(self.marker), "w"))


def saved_tiny_model(folder: Path) -> Path:
    from peftbench.models.tiny import build_tiny

    loaded = build_tiny("llama")
    loaded.model.save_pretrained(folder)
    loaded.tokenizer.save_pretrained(folder)
    return folder


def test_remote_code_is_off_by_default_and_never_runs(tmp_path: Path) -> None:
    from peftbench.models.pretrained import load_pretrained

    assert ModelOptions().trust_remote_code is False
    folder = saved_tiny_model(tmp_path / "remote")
    marker = tmp_path / "REMOTE_CODE_RAN"
    config = json.loads((folder / "config.json").read_text())
    config["model_type"] = "pb_custom"
    config["auto_map"] = {"AutoConfig": "custom.Cfg", "AutoModelForCausalLM": "custom.Model"}
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "custom.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    with pytest.raises(UserError) as err:
        load_pretrained(str(folder), {}, "custom")
    assert "trust_remote_code" in err.value.message + (err.value.hint or "")
    assert not marker.exists()


def test_pickle_weights_are_refused_and_never_unpickled(tmp_path: Path) -> None:
    from peftbench.models.pretrained import load_pretrained

    folder = saved_tiny_model(tmp_path / "pickled")
    for f in folder.glob("*.safetensors"):
        f.unlink()
    marker = tmp_path / "PICKLE_RAN"
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps(Payload(marker)))
    # the CLI refuses the folder before anything starts ...
    proc = subprocess.run(
        [sys.executable, "-m", "peftbench", "run", "smoke", "--set", f"models=[{folder}]"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "safetensors only" in proc.stderr, proc.stderr[-2000:]
    # ... and the loader itself, reached some other way, does not fall back to the pickle
    with pytest.raises(UserError):
        load_pretrained(str(folder), {}, "pickled")
    assert not marker.exists()


def _calls(tree: ast.AST, names: set[str]) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names
    ]


def test_generated_code_only_runs_in_the_sandbox_child() -> None:
    """No module of the package calls exec/eval except the sandbox's child process script, and
    code execution in metrics goes through the sandbox."""
    offenders = {}
    for path in SRC.rglob("*.py"):
        lines = _calls(ast.parse(path.read_text(encoding="utf-8")), {"exec", "eval"})
        if lines and path.name != "_sandbox_child.py":
            offenders[str(path.relative_to(SRC))] = lines
    assert offenders == {}
    execution = SRC / "metrics" / "execution.py"
    if execution.exists():
        assert "sandbox" in execution.read_text(encoding="utf-8")
