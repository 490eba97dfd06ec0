"""The toy datasets used by the tests: train and eval never share an item."""

from __future__ import annotations

import pytest

from peftbench.datasets import DATASETS


@pytest.mark.parametrize("name", ["toy-sentiment", "toy-addition"])
def test_toy_train_and_eval_items_are_disjoint(name: str) -> None:
    spec = DATASETS.get(name)
    train, evals = (spec.load(split, None) for split in spec.splits)  # generated: no ctx needed
    assert len(train) == 64 and len(evals) >= 32
    train_prompts = {e.prompt for e in train}
    assert len(train_prompts) == len(train)  # no item twice in one split either
    assert len({e.prompt for e in evals}) == len(evals)
    assert not train_prompts & {e.prompt for e in evals}


def test_toy_answers_follow_from_their_items() -> None:
    for e in DATASETS.get("toy-addition").load("eval", None):
        a, b = e.prompt.rstrip("=").split("+")
        assert e.answer == e.gold == str(int(a) + int(b))
    labels = [e.gold for e in DATASETS.get("toy-sentiment").load("train", None)]
    assert labels.count("pos") == labels.count("neg") == 32
