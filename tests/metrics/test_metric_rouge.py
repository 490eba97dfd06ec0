"""ROUGE-1/2/L: hand values, and equality with the `rouge-score` package (F-measure, Porter
stemming), the implementation XSum results are reported with."""

from __future__ import annotations

import pytest
from needs import need_module

from peftbench.datasets import DATASETS
from peftbench.metrics import METRICS
from peftbench.metrics.generation import lcs_length, rouge_l_f, rouge_n_f

PAIRS = [
    ("the cat sat on the mat", "the cat is on the mat"),
    ("Police arrested a man in London on Friday.", "A man was arrested by London police."),
    ("", "something"),
    ("Ünïcode café déjà vu 2024!", "cafe deja vu in 2024"),
    ("a b c d e f", "f e d c b a"),
    ("The runners were running and jumped over fences", "A runner runs and jumps the fence"),
    ("Studies of the universities' policies continued", "studying university policy continues"),
    ("x x x y", "x y y"),
]


def test_lcs_by_hand() -> None:
    assert lcs_length("abcbdab", "bdcaba") == 4
    assert lcs_length([], ["x"]) == 0


def test_rouge_by_hand() -> None:
    # LCS("the cat sat on the mat", "the cat is on the mat") = 5 of 6 tokens each side
    assert rouge_l_f(*PAIRS[0]) == pytest.approx(5 / 6)
    # bigrams: the-cat, on-the, the-mat shared (3 of 5 each side)
    assert rouge_n_f(*PAIRS[0], n=2) == pytest.approx(3 / 5)
    # stemming: "running"/"runs" -> "run", "fences"/"fence" -> "fenc"
    assert rouge_n_f("running fences", "runs fence", n=1) == pytest.approx(1.0)


def test_rouge_metrics_mean_and_none() -> None:
    metric = METRICS.get("rouge_l")
    assert metric([PAIRS[0][0], None], [PAIRS[0][1], "x"]) == pytest.approx(100 * 5 / 12)
    assert metric(["a b"], [["zzz", "a b"]]) == 100.0  # best of several references
    assert METRICS.get("rouge_2")([None], ["a b"]) == 0.0


@pytest.mark.parametrize(
    ("ours", "theirs"), [("rouge_1", "rouge1"), ("rouge_2", "rouge2"), ("rouge_l", "rougeL")]
)
def test_equals_rouge_score_with_stemming(ours: str, theirs: str) -> None:
    rouge_scorer = need_module("rouge_score.rouge_scorer", "pip install rouge-score")
    scorer = rouge_scorer.RougeScorer([theirs], use_stemmer=True)
    for pred, ref in PAIRS:
        expected = 100 * scorer.score(ref, pred)[theirs].fmeasure
        assert METRICS.get(ours)([pred], [ref]) == pytest.approx(expected), (pred, ref)


def test_xsum_records_rouge_1_2_and_l() -> None:
    spec = DATASETS.get("xsum")
    assert spec.metric == "rouge_l"
    assert set(spec.extra_metrics) >= {"rouge_1", "rouge_2"}
