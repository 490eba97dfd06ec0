"""ROUGE-L: hand values and a cross-check against the `rouge-score` package when installed."""

from __future__ import annotations

import pytest
from needs import need_module

from peftbench.metrics import METRICS
from peftbench.metrics.generation import lcs_length, rouge_l_f

PAIRS = [
    ("the cat sat on the mat", "the cat is on the mat"),
    ("Police arrested a man in London on Friday.", "A man was arrested by London police."),
    ("", "something"),
    ("Ünïcode café déjà vu 2024!", "cafe deja vu in 2024"),
    ("a b c d e f", "f e d c b a"),
]


def test_lcs_by_hand() -> None:
    assert lcs_length("abcbdab", "bdcaba") == 4
    assert lcs_length([], ["x"]) == 0


def test_rouge_l_by_hand() -> None:
    # LCS("the cat sat on the mat", "the cat is on the mat") = 5 of 6 tokens each side
    assert rouge_l_f(*PAIRS[0]) == pytest.approx(5 / 6)


def test_rouge_l_metric_mean_and_none() -> None:
    metric = METRICS.get("rouge_l")
    assert metric([PAIRS[0][0], None], [PAIRS[0][1], "x"]) == pytest.approx(100 * 5 / 12)
    assert metric(["a b"], [["zzz", "a b"]]) == 100.0  # best of several references


def test_matches_rouge_score_package() -> None:
    rouge_scorer = need_module("rouge_score.rouge_scorer", "pip install rouge-score")
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    for pred, ref in PAIRS:
        expected = scorer.score(ref, pred)["rougeL"].fmeasure
        assert rouge_l_f(pred, ref) == pytest.approx(expected), (pred, ref)
