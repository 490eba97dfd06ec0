"""MultiRC F1a / EM and ReCoRD F1 / EM, against values computed by hand and scikit-learn."""

from __future__ import annotations

import pytest
from needs import need_module

from peftbench.metrics import METRICS
from peftbench.metrics.qa import make_multirc_f1a, normalize_answer, token_f1

# Two questions: q1 has 3 options, q2 has 2.
GOLDS = [("q1", 1), ("q1", 0), ("q1", 1), ("q2", 0), ("q2", 1)]
PREDS = [1, 0, 1, 0, None]


def test_multirc_em_per_question() -> None:
    assert METRICS.get("multirc_em")(PREDS, GOLDS) == pytest.approx(50.0)  # q1 all right, q2 not
    assert METRICS.get("multirc_em")([1, 0, 1, 0, 1], GOLDS) == 100.0


def test_multirc_f1a_over_all_options() -> None:
    # positive options: gold 1 at 0, 2, 4; predicted 1 at 0, 2 -> tp 2, fp 0, fn 1 -> F1 = 4/5
    assert METRICS.get("multirc_f1a")(PREDS, GOLDS) == pytest.approx(80.0)
    sk = need_module("sklearn.metrics", "pip install 'peftbench[test]' (scikit-learn)")
    expected = sk.f1_score(
        [g for _, g in GOLDS], [-1 if p is None else p for p in PREDS], labels=[1], average=None
    )[0]
    assert METRICS.get("multirc_f1a")(PREDS, GOLDS) == pytest.approx(100 * expected)


def test_multirc_with_word_labels() -> None:
    golds = [("q", "true"), ("q", "false")]
    assert make_multirc_f1a("true")(["true", "true"], golds) == pytest.approx(100 * 2 / 3)


def test_multirc_rejects_golds_without_question_id() -> None:
    with pytest.raises(ValueError, match="question_id"):
        METRICS.get("multirc_em")([1], [1])


def test_squad_normalisation() -> None:
    assert normalize_answer("  The  Eiffel-Tower, in Paris! ") == "eiffeltower in paris"
    assert normalize_answer("An apple a day") == "apple day"


def test_token_f1_by_hand() -> None:
    # pred tokens: barack obama jr ; gold: barack obama -> p 2/3, r 1 -> F1 0.8
    assert token_f1("Barack Obama Jr.", "barack obama") == pytest.approx(0.8)
    assert token_f1("", "x") == 0.0


def test_record_em_and_f1_take_max_over_golds() -> None:
    golds = [["Obama", "Barack Obama"], "the United States", ["Paris"]]
    preds = ["Barack Obama Jr.", "United States", None]
    assert METRICS.get("record_em")(preds, golds) == pytest.approx(100 / 3)
    # item 1: max(F1 vs "Obama" = 0.5, vs "Barack Obama" = 0.8); item 2: 1.0; item 3: 0
    assert METRICS.get("record_f1")(preds, golds) == pytest.approx(100 * (0.8 + 1.0) / 3)


@pytest.mark.parametrize("gold", [[], 7, ["Paris", 3]])
def test_record_rejects_a_gold_item_that_is_not_answer_strings(gold: object) -> None:
    """A gold item is an answer string or a non-empty list of them: anything else is a clear
    ValueError, not an AttributeError inside the normaliser."""
    with pytest.raises(ValueError, match="ReCoRD gold item"):
        METRICS.get("record_f1")(["Paris"], [gold])
