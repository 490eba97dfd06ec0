"""MCC, Pearson and Spearman against scikit-learn / scipy, and the documented None handling."""

from __future__ import annotations

import math

import pytest
from needs import need_module

from peftbench.metrics import METRICS
from peftbench.metrics.correlation import ranks

sk = need_module(
    "sklearn.metrics", "pip install 'peftbench[test]' (scikit-learn)", module_level=True
)
stats = need_module("scipy.stats", "pip install scipy", module_level=True)

GOLD_LABELS = ["acceptable", "unacceptable", "acceptable", "acceptable", "unacceptable"] * 3
PRED_LABELS = ["acceptable", "acceptable", None, "acceptable", "unacceptable"] * 3
GOLD_SCORES = [0.0, 1.2, 2.5, 3.1, 4.8, 5.0, 2.2, 3.3, 1.0, 4.0]
PRED_SCORES = [0.4, 1.0, 2.0, 3.5, 4.1, 4.9, 2.2, 2.9, 1.6, 3.9]


def test_mcc_matches_sklearn_binary_and_hand_value() -> None:
    golds, preds = ["a", "a", "b", "b"], ["a", "b", "b", "b"]
    # tp=1 fn=1 fp=0 tn=2: (1*2 - 0*1) / sqrt(1*2*3*2) (a positive)
    assert METRICS.get("mcc")(preds, golds) == pytest.approx(100 * 2 / math.sqrt(12))
    expected = sk.matthews_corrcoef(golds, preds)
    assert METRICS.get("mcc")(preds, golds) == pytest.approx(100 * expected)


def test_mcc_with_none_is_an_extra_wrong_class() -> None:
    value = METRICS.get("mcc")(PRED_LABELS, GOLD_LABELS)
    sk_preds = ["<invalid>" if p is None else p for p in PRED_LABELS]
    assert value == pytest.approx(100 * sk.matthews_corrcoef(GOLD_LABELS, sk_preds))


def test_mcc_constant_prediction_is_zero() -> None:
    assert METRICS.get("mcc")(["a"] * 4, ["a", "b", "a", "b"]) == 0.0


def test_pearson_and_spearman_match_scipy() -> None:
    p = METRICS.get("pearson")(PRED_SCORES, GOLD_SCORES)
    s = METRICS.get("spearman")(PRED_SCORES, GOLD_SCORES)
    assert p == pytest.approx(100 * stats.pearsonr(PRED_SCORES, GOLD_SCORES)[0])
    assert s == pytest.approx(100 * stats.spearmanr(PRED_SCORES, GOLD_SCORES)[0])


def test_ranks_match_scipy_rankdata_with_ties() -> None:
    values = [3.0, 1.0, 3.0, 2.0, 1.0, 5.0]
    assert ranks(values) == list(stats.rankdata(values))


def test_none_is_imputed_with_the_valid_mean_and_only_dilutes() -> None:
    preds = list(PRED_SCORES)
    preds[3] = None
    valid = [x for x in preds if x is not None]
    mean = sum(valid) / len(valid)
    imputed = [mean if x is None else x for x in preds]
    value = METRICS.get("pearson")(preds, GOLD_SCORES)
    assert value == pytest.approx(100 * stats.pearsonr(imputed, GOLD_SCORES)[0])
    # never better than scoring the parsed items alone
    valid_golds = [g for g, x in zip(GOLD_SCORES, preds, strict=True) if x is not None]
    assert abs(value) < abs(100 * stats.pearsonr(valid, valid_golds)[0])


def test_spearman_with_none_uses_the_mean_rank_of_valid_predictions() -> None:
    preds = list(PRED_SCORES)
    preds[0] = preds[5] = None
    valid_idx = [i for i, x in enumerate(preds) if x is not None]
    valid_ranks = stats.rankdata([preds[i] for i in valid_idx])
    pred_ranks = [float(sum(valid_ranks) / len(valid_ranks))] * len(preds)
    for i, r in zip(valid_idx, valid_ranks, strict=True):
        pred_ranks[i] = float(r)
    expected = stats.pearsonr(pred_ranks, stats.rankdata(GOLD_SCORES))[0]
    assert METRICS.get("spearman")(preds, GOLD_SCORES) == pytest.approx(100 * expected)


def test_undefined_correlations_are_zero() -> None:
    assert METRICS.get("pearson")([None, None, None], [1.0, 2.0, 3.0]) == 0.0
    assert METRICS.get("spearman")([2.0, 2.0, 2.0], [1.0, 2.0, 3.0]) == 0.0
    assert METRICS.get("pearson")([1.0], [1.0]) == 0.0
