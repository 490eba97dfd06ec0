"""F1 metrics against scikit-learn (None = a label that matches no gold)."""

from __future__ import annotations

import pytest
from needs import need_module

from peftbench.metrics import METRICS
from peftbench.metrics.f1 import make_binary_f1, register_binary_f1

sk = need_module(
    "sklearn.metrics", "pip install 'peftbench[test]' (scikit-learn)", module_level=True
)

GOLDS = ["yes", "no", "yes", "yes", "no", "no", "yes", "no"]
PREDS = ["yes", "yes", None, "yes", "no", "maybe", "no", "no"]


def _sk_preds(preds: list[str | None]) -> list[str]:
    return ["<invalid>" if p is None else p for p in preds]


def test_binary_f1_matches_sklearn_and_hand_value() -> None:
    value = make_binary_f1("yes")(PREDS, GOLDS)
    # tp = 2 (items 0, 3), fp = 1 (item 1), fn = 2 (items 2, 6): F1 = 4 / 7
    assert value == pytest.approx(100 * 4 / 7)
    expected = sk.f1_score(GOLDS, _sk_preds(PREDS), labels=["yes"], average=None)[0]
    assert value == pytest.approx(100 * expected)


def test_binary_f1_without_positives_is_zero() -> None:
    assert make_binary_f1("yes")(["no", None], ["no", "no"]) == 0.0


def test_register_binary_f1_is_idempotent() -> None:
    name = register_binary_f1("equivalent")
    assert register_binary_f1("equivalent") == name == "f1_equivalent"
    assert METRICS.get(name)(["equivalent", "not"], ["equivalent", "equivalent"]) == pytest.approx(
        100 * 2 / 3
    )


def test_macro_f1_matches_sklearn_over_gold_classes() -> None:
    golds = ["entailment", "contradiction", "neutral", "entailment", "neutral", "contradiction"]
    preds = ["entailment", "neutral", None, "entailment", "neutral", "banana"]
    value = METRICS.get("f1_macro")(preds, golds)
    expected = sk.f1_score(
        golds, _sk_preds(preds), labels=sorted(set(golds)), average="macro", zero_division=0
    )
    assert value == pytest.approx(100 * expected)
    # by hand: entailment tp 2 -> 1.0; neutral tp 1, fp 1, fn 1 -> 0.5; contradiction tp 0 -> 0
    per_class = {"entailment": 1.0, "neutral": 0.5, "contradiction": 0.0}
    assert value == pytest.approx(100 * sum(per_class.values()) / 3)


def test_all_invalid_scores_zero() -> None:
    assert METRICS.get("f1_macro")([None, None], ["a", "b"]) == 0.0
