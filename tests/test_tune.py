"""`peftbench tune` on the tiny model: 3 trials, presets written and used, eval split untouched.

Optuna is an optional extra: without it these tests skip, except under CI=true, where the test
extra installs it and a missing Optuna fails them.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from needs import need_module

from peftbench.datasets import DATASETS
from peftbench.errors import UserError
from peftbench.suite import load_suite
from peftbench.tuning import TuneSettings, split_train, tune

GRID = ["methods=[frozen,lora]", "datasets=[toy-addition]", "training.max_steps=6"]


@pytest.fixture
def optuna_installed() -> None:
    need_module("optuna", "pip install 'peftbench[tune]'")


def peftbench(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "peftbench", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_tune_three_trials_writes_presets_the_grid_uses(
    tmp_path: Path, optuna_installed: None
) -> None:
    out = tmp_path / "tune"
    sets = [a for g in GRID for a in ("--set", g)]
    proc = peftbench(tmp_path, "tune", "smoke", *sets, "--trials", "3", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "tune.json").read_text())
    assert list(report["methods"]) == ["lora"]  # frozen does not train: nothing to tune
    lora = report["methods"]["lora"]
    trials = lora["trials"]
    assert [t["state"] for t in trials] == ["COMPLETE"] * 3
    assert trials[0]["learning_rate"] == lora["preset_learning_rate"] == 0.01  # smoke's preset
    for t in trials:
        assert 0.001 <= t["learning_rate"] <= 0.1  # preset / 10 .. preset * 10
    best = max(trials, key=lambda t: t["value"])
    assert lora["chosen_learning_rate"] == best["learning_rate"]
    held = report["held_out"]["toy-addition"]
    assert held["split"] == "train" and all(i.startswith("train-") for i in held["held_out_ids"])
    presets = yaml.safe_load((out / "presets.yaml").read_text())
    assert presets == {"method_params": {"lora": {"learning_rate": best["learning_rate"]}}}
    dry = peftbench(
        tmp_path, "run", "smoke", *sets, "--presets", str(out / "presets.yaml"), "--dry-run"
    )
    assert dry.returncode == 0 and f"lr={best['learning_rate']}" in dry.stdout


def test_search_never_loads_the_eval_split(
    tmp_path: Path, monkeypatch: Any, optuna_installed: None
) -> None:
    seen: list[str] = []
    spec = DATASETS.get("toy-addition")

    def spy(split: str, ctx: Any) -> list:
        seen.append(split)
        return spec.load(split, ctx)

    monkeypatch.setitem(DATASETS._entries, "toy-addition", dataclasses.replace(spec, load=spy))
    suite = load_suite("smoke", GRID)
    presets = tune(suite, TuneSettings(trials=1), tmp_path, progress=False)
    assert seen == ["train"]
    assert "lora" in yaml.safe_load(presets.read_text())["method_params"]


def test_held_out_part_is_disjoint_from_training_part() -> None:
    rows = DATASETS.get("toy-addition").load("train", None)  # generated in code: no ctx needed
    fit, held = split_train(rows, 0.25, None, None)
    assert len(held) == 16 and len(fit) == 48
    assert not {e.id for e in fit} & {e.id for e in held}
    assert split_train(rows, 0.25, None, None) == (fit, held)  # the same split every time
    fit_capped, held_capped = split_train(rows, 0.25, 10, 4)
    assert (fit_capped, held_capped) == (fit[:10], held[:4])
    with pytest.raises(UserError):
        split_train(rows[:1], 0.5, None, None)


@pytest.mark.parametrize("bad", [{"trials": 0}, {"holdout": 1.0}, {"span": 1.0}])
def test_bad_tune_settings_are_user_errors(bad: dict) -> None:
    with pytest.raises(UserError):
        TuneSettings(**bad)


def test_tune_trains_loraplus_with_its_optimizer_and_adalora_with_its_hook(
    tmp_path: Path, monkeypatch: Any, optuna_installed: None
) -> None:
    """`tune` goes through the one cell path, so each method's training contract comes along."""
    from peftbench.methods import METHODS

    made: list[str] = []
    hooked: list[tuple[int, int]] = []
    loraplus, adalora = METHODS.get("loraplus"), METHODS.get("adalora")
    assert loraplus.optimizer is not None and adalora.step_hook is not None
    make, hook = loraplus.optimizer, adalora.step_hook

    def spy_optimizer(model: Any, params: dict, lr: float, wd: float) -> Any:
        opt = make(model, params, lr, wd)
        ratio = max(g["lr"] for g in opt.param_groups if g["params"]) / lr
        made.append(f"ratio {ratio:g}")
        return opt

    def spy_hook(model: Any, params: dict, step: int, total: int) -> None:
        hooked.append((step, total))
        hook(model, params, step, total)

    for name, spied in (
        ("loraplus", dataclasses.replace(loraplus, optimizer=spy_optimizer)),
        ("adalora", dataclasses.replace(adalora, step_hook=spy_hook)),
    ):
        monkeypatch.setitem(METHODS._entries, name, spied)
    grid = ["methods=[loraplus,adalora]", "datasets=[toy-addition]", "training.max_steps=3"]
    tune(load_suite("smoke", grid), TuneSettings(trials=1), tmp_path, progress=False)
    assert made == ["ratio 16"]  # LoRA+'s B group at 16x the rate, as the method defines
    assert hooked == [(0, 3), (1, 3), (2, 3)]  # AdaLoRA's budget hook after every step
