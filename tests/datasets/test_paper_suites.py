"""The `paper` and `paper-mini` suites validate and expand to the grids they promise."""

from __future__ import annotations

import pytest

from peftbench.cli import main
from peftbench.datasets import DATASETS
from peftbench.suite import expand, load_suite

PAPER_METHODS = {"lora", "ia3", "prompt_tuning", "prefix_tuning", "ptuning", "lntuning", "bitfit"}


def test_paper_suite_is_the_published_grid() -> None:
    suite = load_suite("paper")
    assert suite.models == ("llama-3-8b-instruct",)
    assert set(suite.methods) == PAPER_METHODS
    assert suite.seeds == (42, 123, 456, 789, 101112)
    assert len(suite.datasets) == len(set(suite.datasets)) == 27
    groups = [DATASETS.get(d).group for d in suite.datasets]
    assert {g: groups.count(g) for g in set(groups)} == {
        "glue": 8,
        "superglue": 7,
        "nlu": 6,
        "math": 3,
        "code": 3,
    }
    t = suite.training
    assert (t.batch_size, t.optimizer, t.lr_scheduler) == (4, "adamw_torch", "cosine")
    assert (t.warmup_ratio, t.weight_decay, t.precision) == (0.1, 1e-5, "bf16")
    assert t.max_train_examples is None and suite.evaluation.max_eval_examples is None
    # the methods' presets are the paper's except the two forms peftbench recommends otherwise
    # (tests/methods/test_paper_presets.py checks every resolved configuration), and the
    # original's held-out share differs per method
    assert set(suite.method_params) == {"ia3", "bitfit", "prefix_tuning"}
    assert suite.method_params["prefix_tuning"] == {"val_fraction": 0.2}
    assert (t.val_fraction, t.select_best) == (0.1, True)
    runs = expand(suite)
    held = {r.method: r.training.val_fraction for r in runs}
    assert held == {m: 0.2 if m == "prefix_tuning" else 0.1 for m in suite.methods}
    assert all("val_fraction" not in r.method_params for r in runs)  # never reaches `build`
    assert len(runs) == 27 * 7 * 5
    assert len({r.run_id for r in runs}) == len(runs)


def test_paper_mini_is_small() -> None:
    suite = load_suite("paper-mini")
    assert suite.models == ("llama-3.2-1b-instruct",)
    assert set(suite.methods) == PAPER_METHODS | {"frozen"}
    assert 3 <= len(suite.datasets) <= 8
    assert suite.training.max_train_examples and suite.evaluation.max_eval_examples


@pytest.mark.parametrize("name", ["paper", "paper-mini"])
def test_dry_run_validates(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", name, "--dry-run"]) == 0
    out = capsys.readouterr().out
    n = len(expand(load_suite(name)))
    assert f"suite '{name}': {n} runs" in out
