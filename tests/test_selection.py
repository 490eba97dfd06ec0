"""Learning-rate selection inside `run` (issue 22 §1) on the tiny model: the grid and the choice
rule, a dev slice that is neither eval nor trained on, the same trials for every trained method,
what the record and the board show, and a search resumed after a kill."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from peftbench import selection
from peftbench.cache import cache_dir
from peftbench.datasets import DATASETS, LoadContext
from peftbench.pipeline import load_data
from peftbench.results.atomic import write_json_once
from peftbench.results.record import Trial
from peftbench.selection import choose, rate_grid, search_data, search_key, select
from peftbench.suite import expand, load_suite

CASES = json.loads((Path(__file__).parent / "data" / "selection" / "grids.json").read_text())
# two trials of one training step, scored on 8 dev items: seconds per trial on the tiny model
FAST = [
    "datasets=[toy-addition]",
    "training.max_steps=1",
    "evaluation.max_eval_examples=8",
    "selection.trials=2",
    "selection.dev_examples=8",
]


def ctx() -> LoadContext:
    return LoadContext(cache_dir=cache_dir())


def _spec(method: str = "lora", *sets: str) -> Any:
    suite = load_suite("smoke", [f"methods=[frozen,{method}]", *FAST, *sets])
    return next(s for s in expand(suite) if s.method == method)


@pytest.mark.parametrize("case", CASES["grids"], ids=lambda c: f"{c['trials']}x{c['span']}")
def test_the_grid_spans_its_decades_and_holds_the_preset(case: dict[str, Any]) -> None:
    rates = rate_grid(case["preset"], case["trials"], case["span"])
    assert rates == pytest.approx(case["rates"], rel=1e-5)
    assert case["preset"] in rates  # exactly: the preset itself is always tried
    assert rates[-1] / rates[0] == pytest.approx(10 ** case["span"], rel=1e-5)


@pytest.mark.parametrize("case", CASES["choices"], ids=lambda c: c["why"])
def test_the_choice_rule(case: dict[str, Any]) -> None:
    trials = [Trial(lr, score, 1.0) for lr, score in case["trials"]]
    assert choose(trials, case["preset"], case["higher"]) == case["chosen"]


@pytest.mark.parametrize("sets", [[], ["training.val_fraction=0.25"]], ids=["no-val", "val"])
def test_the_dev_slice_is_train_data_neither_eval_nor_trained_on(
    sets: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    spec = DATASETS.get("toy-addition")

    def spy(split: str, c: Any) -> list:
        seen.append(split)
        return spec.load(split, c)

    monkeypatch.setitem(DATASETS._entries, "toy-addition", dataclasses.replace(spec, load=spy))
    data = search_data(_spec("lora", *sets), ctx())
    assert seen == ["train"]  # the eval split is never loaded for a search
    dev = {e.id for e in data.evals}
    trained = {e.id for e in data.train}
    evals = {e.id for e in spec.load(spec.splits[1], ctx())}
    assert len(dev) == 8 and trained
    assert not dev & trained and not dev & evals
    assert not dev & {e.id for e in data.split.validation} or sets  # val: dev is validation's head


def test_beyond_the_training_cap_trials_train_on_what_the_cell_trains_on() -> None:
    spec = _spec("lora", "training.max_train_examples=32")
    data = search_data(spec, ctx())
    cell = load_data(spec, ctx())
    assert [e.id for e in data.train] == [e.id for e in cell.train]
    assert not {e.id for e in data.evals} & {e.id for e in cell.train}


def test_every_trained_method_gets_the_same_trials_and_frozen_none() -> None:
    suite = load_suite("smoke", [*FAST, "selection.trials=3", "seeds=[1,2]"])
    specs = expand(suite)
    trained = [s for s in specs if s.method != "frozen"]
    assert all(s.selection is None for s in specs if s.method == "frozen")
    assert {s.selection.trials for s in trained} == {3}
    assert {s.selection.seed for s in trained} == {1}  # the first seed's trials serve both seeds
    for s in trained:  # three rates each, the preset in the middle
        grid = rate_grid(s.method_params["learning_rate"], 3, 1.0)
        assert len(grid) == 3 and grid[1] == s.method_params["learning_rate"]
    by_seed = {(s.method, s.seed): search_key(s) for s in trained}
    assert all(by_seed[(m, 1)] == by_seed[(m, 2)] for m, _ in by_seed)
    assert len({search_key(s) for s in trained}) == len(suite.methods) - 1
    off = expand(load_suite("smoke", FAST[:-2]))
    on_ids = {s.run_id for s in specs}
    assert all(s.selection is None for s in off) and not {s.run_id for s in off} & on_ids


def test_a_killed_search_redoes_only_its_unfinished_trials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _spec()
    real = selection.run_trial
    calls: list[float] = []

    def killed_at_second(spec: Any, rate: float, data: Any, progress: bool = False) -> Trial:
        if calls:
            raise KeyboardInterrupt  # the invocation is killed during the second trial
        calls.append(rate)
        return real(spec, rate, data, progress)

    monkeypatch.setattr(selection, "run_trial", killed_at_second)
    with pytest.raises(KeyboardInterrupt):
        select(spec, tmp_path, ctx())
    folder = tmp_path / "selection" / search_key(spec)
    first = (folder / "trial-0.json").read_bytes()
    assert not (folder / "trial-1.json").exists()

    resumed: list[float] = []

    def counting(spec: Any, rate: float, data: Any, progress: bool = False) -> Trial:
        resumed.append(rate)
        return real(spec, rate, data, progress)

    monkeypatch.setattr(selection, "run_trial", counting)
    chosen = select(spec, tmp_path, ctx())
    grid = rate_grid(spec.method_params["learning_rate"], 2, 1.0)
    assert resumed == [grid[1]] and chosen.ran_here == 1
    assert (folder / "trial-0.json").read_bytes() == first  # a finished trial is never redone
    assert [t.learning_rate for t in chosen.trials] == grid
    assert chosen.learning_rate in grid and chosen.dev_examples == 8

    again = select(spec, tmp_path, ctx())  # all stored: nothing trains
    assert resumed == [grid[1]] and again == dataclasses.replace(chosen, ran_here=0)
    assert not write_json_once(folder / "trial-0.json", {"learning_rate": 1.0})
    assert (folder / "trial-0.json").read_bytes() == first


def test_a_damaged_trial_is_set_aside_and_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _spec()
    select(spec, tmp_path, ctx())
    folder = tmp_path / "selection" / search_key(spec)
    (folder / "trial-1.json").write_text('{"learning_rate": ')  # truncated by hand
    rerun: list[float] = []
    monkeypatch.setattr(
        selection, "run_trial", lambda s, r, d, p=False: rerun.append(r) or Trial(r, 1.0, 0.1)
    )
    assert select(spec, tmp_path, ctx()).ran_here == 1 and len(rerun) == 1
    assert [p.name for p in folder.glob("trial-1.json.damaged-*")]  # kept, not deleted


@pytest.mark.slow
def test_run_searches_once_per_search_records_it_and_shows_it_on_the_board(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`run` with `selection`: the first seed's cell runs the search, the second reuses it, each
    cell trains at the chosen rate, and record and board say so."""
    from peftbench.board.build import of_folder
    from peftbench.cli import main
    from peftbench.reports.leaderboard import render
    from peftbench.results.folder import read_folder
    from peftbench.training import trainer

    trained: list[tuple[int, float]] = []
    real = trainer.train

    def spy(model: Any, method: Any, params: dict, *a: Any, **k: Any) -> Any:
        trained.append((a[3], params["learning_rate"]))  # (seed, rate)
        return real(model, method, params, *a, **k)

    monkeypatch.setattr(trainer, "train", spy)
    out = tmp_path / "r"
    sets = [*FAST, "methods=[frozen,lora]", "seeds=[1,2]"]
    argv = ["run", "smoke", *[x for s in sets for x in ("--set", s)]]
    assert main([*argv, "--backend", "inline", "--out", str(out), "--no-progress"]) == 0
    records = {(r.method, r.seed): r for r in read_folder(out).records}
    assert records[("frozen", 1)].selection is None
    first, second = records[("lora", 1)].selection, records[("lora", 2)].selection
    assert first is not None and second is not None
    assert first.ran_here == 2 and second.ran_here == 0  # the second seed reuses the search
    assert dataclasses.replace(first, ran_here=0) == second
    grid = rate_grid(0.01, 2, 1.0)
    assert [t.learning_rate for t in first.trials] == grid and first.dev_examples == 8
    # two trials at the search's seed, then each cell at the chosen rate
    assert trained == [
        (1, grid[0]),
        (1, grid[1]),
        (1, first.learning_rate),
        (2, first.learning_rate),
    ]
    config = json.loads((records[("lora", 1)].folder / "config.json").read_text())
    assert config["method_params"]["learning_rate"] == 0.01  # the identity keeps the preset
    assert config["selection"] == {"trials": 2, "span": 1.0, "dev_examples": 8, "seed": 1}

    board = of_folder(read_folder(out))
    lora = next(r for r in board.rows if r.method == "lora")
    assert lora.learning_rate is not None and lora.learning_rate.trials == 2
    assert lora.learning_rate.searches == 1 and lora.learning_rate.seconds == first.seconds
    assert lora.learning_rate.chosen == {"toy-addition": first.learning_rate}
    frozen = next(r for r in board.rows if r.method == "frozen")
    assert frozen.learning_rate is None
    text = render(board)
    assert "lr (search)" in text and f"{first.learning_rate:.3g} (2 trials," in text


def test_the_selection_part_reads_back_and_refuses_a_rate_it_never_tried() -> None:
    from peftbench.results.checks import RecordDamage
    from peftbench.results.record import Selection

    trials = (Trial(0.001, 40.0, 2.0), Trial(0.01, None, 3.0))
    part = Selection(0.001, 0.01, trials, 1.0, 8, 42, "m__d__lora__0123456789", ran_here=2)
    data = json.loads(json.dumps(part.to_json()))
    assert Selection.from_json(data) == part and data["seconds"] == 5.0
    with pytest.raises(RecordDamage, match="none of the trials"):
        Selection.from_json({**data, "learning_rate": 0.5})
    with pytest.raises(RecordDamage, match="trials"):
        Selection.from_json({**data, "trials": []})
