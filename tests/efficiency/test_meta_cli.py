"""Counting on the meta device gives the counts a real model gives, and `ls methods --params
--model` prints them for a config file, a shipped hub config or fails clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from peftbench.cli import main
from peftbench.efficiency.meta import count_method
from peftbench.efficiency.params import count_parameters, save_adapter
from peftbench.methods import METHODS, Method
from peftbench.models.tiny import build_tiny
from peftbench.suite import load_suite, method_params_of

CHECKED = [
    "lora",
    "ia3",
    "prompt_tuning",
    "prefix_tuning",
    "ptuning",
    "lntuning",
    "bitfit",
    "adapter",
    "adapter_pfeiffer",
    "adapter_parallel",
]


def _params(name: str) -> dict:
    params = method_params_of(load_suite("paper"), name)
    if name == "ptuning":
        params["encoder_hidden_size"] = 32  # keeps the real tiny build small
    return params


@pytest.mark.parametrize("name", CHECKED)
def test_meta_counts_equal_real_counts_on_tiny_llama(name: str, tmp_path: Path) -> None:
    method = METHODS.get(name)
    params = _params(name)
    loaded = build_tiny("llama")
    config = loaded.model.config.to_dict()
    torch.manual_seed(0)
    real = method.build(loaded.model, loaded, Method.build_params(params))
    trainable, _ = count_parameters(real)
    stored = save_adapter(real, tmp_path / "adapter")["adapter_params"]
    meta = count_method(method, params, config)
    assert (meta.trainable, meta.stored) == (trainable, stored)


def test_ls_counts_on_a_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = build_tiny("llama").model.config.to_dict()
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config, default=str))
    assert main(["ls", "methods", "--params", "--model", str(path), "--suite", "smoke"]) == 0
    out = capsys.readouterr().out
    lora = next(line for line in out.splitlines() if line.startswith("lora "))
    expected = count_method(METHODS.get("lora"), _params("lora"), config)
    assert f"{expected.trainable:,}" in lora


def test_ls_model_errors_are_clear(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ls", "methods", "--params", "--model", "no-such-model"]) == 2
    assert "hf:meta-llama/Meta-Llama-3-8B-Instruct" in capsys.readouterr().err  # what ships
    assert main(["ls", "datasets", "--model", "llama-3-8b-instruct"]) == 2
    assert "ls methods --params --model" in capsys.readouterr().err
