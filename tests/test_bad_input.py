"""Bad input through the real command line: one paragraph naming cause and fix, exit code 2, no
traceback (unless --debug), and nothing started.

Datasets with a missing file and with an empty split come from a plugin distribution written
into a temporary folder on PYTHONPATH (entry point group `peftbench.datasets`), the way a user's
own dataset package would be found.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PLUGIN = """
import json
from pathlib import Path
from peftbench.datasets.base import DatasetSpec, Example, label_parser, register

def load_file(split, ctx):
    path = Path(ctx.data_dir or "data") / "fixture-file" / f"{split}.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [Example(str(i), r["text"], r["label"], r["label"]) for i, r in enumerate(rows)]

def load_empty(split, ctx):
    return [] if split == "train" else [Example("0", "x", "pos", "pos")]

for name, load in (("fixture-file", load_file), ("fixture-empty", load_empty)):
    register(DatasetSpec(name=name, group="classification", description="test fixture",
                         source="tests", load=load, parse=label_parser(("pos", "neg")),
                         metric="accuracy", labels=("pos", "neg")))
"""


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plugin")
    (root / "pb_fixture_datasets.py").write_text(PLUGIN)
    info = root / "pb_fixture_datasets-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: pb-fixture-datasets\nVersion: 0.1\n"
    )
    (info / "entry_points.txt").write_text("[peftbench.datasets]\nfixtures = pb_fixture_datasets\n")
    return root


def peftbench(cwd: Path, *args: str, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join([str(pythonpath), env.get("PYTHONPATH", "")])
    cmd = [sys.executable, "-m", "peftbench", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def assert_user_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and lines[-1].startswith("  hint: "), proc.stderr
    assert len(lines) == 2, proc.stderr  # one paragraph: the cause, then the fix
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


def test_malformed_yaml(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("models: [tiny-llama\nmethods: [lora]\n")
    proc = peftbench(tmp_path, "run", str(bad), "--out", str(tmp_path / "r"))
    assert_user_error(proc, "not valid YAML at line 2", "hint")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("override", "needles"),
    [
        ("training.max_steps=ten", ["'training.max_steps' must be an integer", "whole number"]),
        ("training.epochs=[1]", ["'training.epochs' must be a number"]),
        ("seeds=abc", ["'seeds[0]' must be an integer"]),
        (
            "datasets=[toy-additon]",
            ["unknown dataset 'toy-additon'", "did you mean 'toy-addition'"],
        ),
        ("trainng.max_steps=3", ["unknown key 'trainng'", "did you mean 'training'"]),
        ("resources.num_gpus=-1", ["cannot be negative"]),
        ("resources.custom.gpu_a100=0", ["must be a positive number"]),
        ("models=[./no/such/model]", ["no folder exists at that path", "config.json"]),
        ("backend=rey", ["'backend' is 'rey'", "did you mean 'ray'"]),
    ],
)
def test_bad_settings_exit_2_before_anything_starts(
    tmp_path: Path, override: str, needles: list[str]
) -> None:
    proc = peftbench(tmp_path, "run", "smoke", "--set", override, "--out", str(tmp_path / "r"))
    assert_user_error(proc, *needles)
    assert not (tmp_path / "r").exists()


def test_missing_data_dir(tmp_path: Path) -> None:
    proc = peftbench(tmp_path, "run", "smoke", "--data-dir", str(tmp_path / "nope"), "--dry-run")
    assert_user_error(proc, "does not exist or is not a folder")


def test_model_folder_without_config(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    proc = peftbench(tmp_path, "run", "smoke", "--set", "models=[./model]", "--dry-run")
    assert_user_error(proc, "has no config.json", "save_pretrained")


def test_missing_dataset_file_fails_fast(tmp_path: Path, plugin_path: Path) -> None:
    data = tmp_path / "data"
    (data / "fixture-file").mkdir(parents=True)
    (data / "fixture-file" / "train.jsonl").write_text(json.dumps({"text": "a", "label": "pos"}))
    args = ["run", "smoke", "--set", "datasets=[fixture-file]", "--set", "methods=[lora]"]
    args += ["--data-dir", str(data), "--out", str(tmp_path / "r"), "--no-progress"]
    proc = peftbench(tmp_path, *args, pythonpath=plugin_path)
    assert_user_error(proc, "dataset 'fixture-file' (split 'eval'): file not found", "eval.jsonl")
    assert not (tmp_path / "r" / "runs").exists()  # no run was started


def test_empty_dataset_fails_fast(tmp_path: Path, plugin_path: Path) -> None:
    args = ["run", "smoke", "--set", "datasets=[fixture-empty]", "--set", "methods=[lora]"]
    args += ["--out", str(tmp_path / "r"), "--no-progress"]
    proc = peftbench(tmp_path, *args, pythonpath=plugin_path)
    assert_user_error(proc, "dataset 'fixture-empty' has no examples in split 'train'")
    assert not (tmp_path / "r" / "runs").exists()


def test_unreachable_ray_cluster(tmp_path: Path) -> None:
    args = ["run", "smoke", "--set", "methods=[frozen]", "--set", "datasets=[toy-addition]"]
    args += ["--address", "127.0.0.1:9", "--out", str(tmp_path / "r"), "--no-progress"]
    proc = peftbench(tmp_path, *args)
    # without Ray installed, the same command says how to install it instead
    assert_user_error(proc)
    assert "127.0.0.1:9" in proc.stderr or "peftbench[ray]" in proc.stderr


def test_bad_presets_file(tmp_path: Path) -> None:
    presets = tmp_path / "presets.yaml"
    presets.write_text("method_params:\n  lora: {learning_rat: 0.1}\n")
    proc = peftbench(tmp_path, "run", "smoke", "--presets", str(presets), "--dry-run")
    assert_user_error(proc, "unknown key 'learning_rat'", "did you mean 'learning_rate'")


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    proc = peftbench(tmp_path, "--debug", "run", "smoke", "--set", "methods=[loar]", "--dry-run")
    assert proc.returncode != 0 and proc.returncode != 2
    assert "Traceback" in proc.stderr and "unknown method 'loar'" in proc.stderr
