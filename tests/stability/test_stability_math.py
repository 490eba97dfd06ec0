"""Hand-computed cases for perplexity, KL, the retention difference and its paired interval."""

from __future__ import annotations

import math

import pytest

from peftbench.metrics import METRICS
from peftbench.stability.drift import chunk_figures, perplexity, windows
from peftbench.stability.retention import TaskAnswers, retention
from peftbench.stability.text import general_text, gutenberg_body

accuracy = METRICS.get("accuracy")


def test_perplexity_of_two_tokens_at_half_probability_is_two() -> None:
    assert perplexity(2 * math.log(2), 2) == pytest.approx(2.0)


def test_kl_and_nll_of_one_position_by_hand() -> None:
    import torch

    base = torch.log(torch.tensor([[0.5, 0.5]]))
    adapted = torch.log(torch.tensor([[0.75, 0.25]]))
    nll_base, nll, kl = chunk_figures(base, adapted, [1])
    assert nll_base == pytest.approx(math.log(2))
    assert nll == pytest.approx(math.log(4))
    # 0.5 ln(0.5/0.75) + 0.5 ln(0.5/0.25) = 0.5 ln(4/3)
    assert kl == pytest.approx(0.5 * math.log(4 / 3))


def test_windows_drop_a_last_chunk_too_short_to_score() -> None:
    assert list(windows(list(range(7)), 3)) == [[0, 1, 2], [3, 4, 5]]
    assert list(windows(list(range(8)), 3)) == [[0, 1, 2], [3, 4, 5], [6, 7]]


def test_retention_difference_and_paired_interval_by_hand() -> None:
    golds = ["a", "a", "b", "b"]
    task = TaskAnswers("t", accuracy, ["a", "a", "b", "b"], ["a", "b", "b", "b"], golds)
    result = retention([task], samples=400, seed=1)
    assert result.delta == pytest.approx(-25.0)  # 100 -> 75
    assert result.per_task["t"]["base"] == 100.0
    assert result.per_task["t"]["adapted"] == 75.0
    # per-item scores, for the leaderboard's joint bootstrap over runs (board/stability.py)
    assert result.per_task["t"]["item_scores"] == {
        "base": [100.0] * 4,
        "adapted": [100.0, 0.0, 100.0, 100.0],
    }
    lo, hi = result.ci95
    # the fine-tuned model is never right where the base is wrong: no resample can go above 0,
    # and the worst resample (all four draws the forgotten item) is -100
    assert -100.0 <= lo <= -25.0 <= hi <= 0.0


def test_identical_answers_have_zero_change_and_a_zero_width_interval() -> None:
    golds = ["a", "b", "a"]
    same = ["a", "a", None]
    result = retention([TaskAnswers("t", accuracy, same, same, golds)], samples=50)
    assert result.delta == 0.0
    assert result.ci95 == (0.0, 0.0)


def test_two_tasks_are_averaged() -> None:
    t1 = TaskAnswers("x", accuracy, ["a", "a"], ["a", "a"], ["a", "a"])  # 0
    t2 = TaskAnswers("y", accuracy, ["a", "a"], ["b", "b"], ["a", "a"])  # -100
    result = retention([t1, t2], samples=50)
    assert result.delta == -50.0
    assert result.ci95 == (-50.0, -50.0)


def test_gutenberg_body_strips_the_licence_text() -> None:
    raw = "header\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\nbody text\n"
    raw += "*** END OF THE PROJECT GUTENBERG EBOOK X ***\nlicence"
    assert gutenberg_body(raw) == "body text"


def test_the_shipped_sample_is_prose_without_the_licence() -> None:
    sample = general_text()
    assert len(sample.text) > 30_000
    assert "Gutenberg" not in sample.text[-2000:] and "Gutenberg" not in sample.text[:100]
    assert "twenty-ninth" in sample.text
    assert sample.describe()["sha256"] == sample.sha256
