"""`peftbench tune` is a front of the learning-rate selection stage (selection.py), not a second
search: the same grid, dev slice, trial path and storage, so `run` with the same `selection`
settings reuses every trial `tune` trained; on the tiny model."""

from __future__ import annotations

import ast
import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from peftbench import selection, tuning
from peftbench.cache import cache_dir
from peftbench.config.schema import SelectionSettings
from peftbench.datasets import DATASETS, LoadContext
from peftbench.results.record import Selection, Trial
from peftbench.selection import choose, rate_grid, select
from peftbench.suite import expand, load_suite
from peftbench.tuning import method_rate, tune

GRID = [
    "methods=[frozen,lora]",
    "datasets=[toy-addition]",
    "training.max_steps=1",
    "evaluation.max_eval_examples=8",
]
TWO = SelectionSettings(trials=2, dev_examples=8)


def peftbench(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "peftbench", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_tune_writes_the_trial_table_and_presets_that_run_reuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "results"
    sets = [a for g in GRID for a in ("--set", g)]
    args = ["--trials", "2", "--dev-examples", "8", "--out", str(out), "--no-progress"]
    proc = peftbench(tmp_path, "tune", "smoke", *sets, *args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = json.loads((out / "tune" / "tune.json").read_text())
    assert list(table["methods"]) == ["lora"]  # frozen does not train: nothing to tune
    lora = table["methods"]["lora"]
    assert lora["preset_learning_rate"] == 0.01  # smoke's preset
    assert lora["grid"] == rate_grid(0.01, 2, 1.0)
    (search,) = lora["searches"]
    trials = [Trial(t["learning_rate"], t["dev_score"], t["seconds"]) for t in search["trials"]]
    assert [t.learning_rate for t in trials] == lora["grid"]
    assert lora["chosen_learning_rate"] == choose(trials, 0.01, True)
    presets = yaml.safe_load((out / "tune" / "presets.yaml").read_text())
    assert presets == {"method_params": {"lora": {"learning_rate": lora["chosen_learning_rate"]}}}

    # `run` with the same selection settings finds tune's trials: none trains again
    def no_training(*a: Any, **k: Any) -> Trial:
        raise AssertionError("a trial ran again")

    monkeypatch.setattr(selection, "run_trial", no_training)
    suite = load_suite("smoke", [*GRID, "selection.trials=2", "selection.dev_examples=8"])
    spec = next(s for s in expand(suite) if s.selection)
    found = select(spec, out, LoadContext(cache_dir=cache_dir()))
    assert found.search == search["search"] and found.ran_here == 0
    assert found.learning_rate == search["chosen_learning_rate"]

    dry = peftbench(
        tmp_path, "run", "smoke", *sets, "--presets", str(out / "tune/presets.yaml"), "--dry-run"
    )
    assert dry.returncode == 0 and f"lr={lora['chosen_learning_rate']}" in dry.stdout


def test_tune_has_no_search_of_its_own() -> None:
    """Its trials are the stage's: tuning.py imports neither the cell path nor the trainer."""
    tree = ast.parse(Path(tuning.__file__).read_text())
    imported = {
        n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module is not None
    }
    assert "peftbench.selection" in imported
    assert not imported & {"peftbench.pipeline", "peftbench.training.trainer", "optuna"}
    assert tuning.select is selection.select


def test_search_never_loads_the_eval_split(tmp_path: Path, monkeypatch: Any) -> None:
    seen: list[str] = []
    spec = DATASETS.get("toy-addition")

    def spy(split: str, ctx: Any) -> list:
        seen.append(split)
        return spec.load(split, ctx)

    monkeypatch.setitem(DATASETS._entries, "toy-addition", dataclasses.replace(spec, load=spy))
    presets = tune(load_suite("smoke", GRID), TWO, tmp_path, progress=False)
    assert seen == ["train"]
    assert "lora" in yaml.safe_load(presets.read_text())["method_params"]


def _search(dataset: str, scores: list[float | None]) -> tuple[Any, Selection]:
    spec = next(
        s
        for s in expand(load_suite("smoke", ["selection.trials=3", f"datasets=[{dataset}]"]))
        if s.method == "lora"
    )
    grid = rate_grid(0.01, 3, 1.0)
    trials = tuple(Trial(r, s, 1.0) for r, s in zip(grid, scores, strict=True))
    return spec, Selection(choose(list(trials), 0.01, True), 0.01, trials, 1.0, 8, 42, dataset)


def test_one_rate_per_method_over_datasets_is_the_best_mean_and_skips_divergence() -> None:
    a = _search("toy-addition", [10.0, 40.0, 90.0])
    b = _search("toy-sentiment", [60.0, 50.0, None])  # the highest rate diverged here
    assert a[1].learning_rate == rate_grid(0.01, 3, 1.0)[2]
    assert method_rate([a, b]) == 0.01  # 45 at the preset beats 35; the third diverged once
    c = _search("toy-sentiment", [70.0, 10.0, 10.0])
    assert method_rate([a, c]) == rate_grid(0.01, 3, 1.0)[2]  # means 40 : 25 : 50


def test_tune_trains_loraplus_with_its_optimizer_and_adalora_with_its_hook(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Trials go through the one cell path, so each method's training contract comes along."""
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
    grid = [
        "methods=[loraplus,adalora]",
        "datasets=[toy-addition]",
        "training.max_steps=3",
        "evaluation.max_eval_examples=8",
    ]
    tune(load_suite("smoke", grid), TWO, tmp_path, progress=False)
    assert made == ["ratio 16"] * 2  # LoRA+'s B group at 16x the rate, in both trials
    assert hooked == [(0, 3), (1, 3), (2, 3)] * 2  # AdaLoRA's budget hook after every step
