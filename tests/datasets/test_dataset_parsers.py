"""Answer parsers and data clean-up of the hub datasets, case by case."""

from __future__ import annotations

import pytest

from peftbench.datasets import DATASETS
from peftbench.datasets.base import label_parser
from peftbench.datasets.glue import score_text
from peftbench.datasets.maths import clean_equation, mathqa_options, parse_gsm8k, parse_svamp
from peftbench.datasets.superglue import mark_pronoun
from peftbench.datasets.superglue_rc import clean_paragraph, clean_passage
from peftbench.datasets.verbal import choice_parser, code_parser, fmt_number, number_parser

RTE = choice_parser(("entailment", "not_entailment"))
LETTERS = choice_parser(("A", "B", "C", "D"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("entailment", "entailment"),
        ("Entailment.", "entailment"),
        ("not_entailment", "not_entailment"),
        ("Not entailment", "not_entailment"),
        ("not-entailment, because", "not_entailment"),
        ("**not_entailment**", "not_entailment"),
        ("entailment\nmore text", "entailment"),
        ("entailments", None),
        ("neutral", None),
        ("", None),
        ("   \n", None),
        ("I think entailment", None),  # the answer must come first
    ],
)
def test_label_words(text: str, expected: str | None) -> None:
    assert RTE(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("B", "B"),
        ("b", "B"),
        ("(C)", "C"),
        ("D. the last one", "D"),
        ("Answer: A", "A"),
        ("The answer is A", None),
        ("Answer is B", "B"),
        ("E", None),
        ("none", None),
        ("**B**", "B"),
        ("B, because the ball rolls", "B"),
        ("C: the third", "C"),
        ("A - yes", "A"),
        ("A man walks into a bar", None),  # prose that starts with a letter-word
        ("A ball is heavier", None),
        ("Apple", None),
        ("I think B", None),
        ("Answer: A cat", None),
    ],
)
def test_option_letters(text: str, expected: str | None) -> None:
    assert LETTERS(text) == expected


def test_label_parser_reads_option_letters_the_same_way() -> None:
    parse = label_parser(("a", "b"))
    assert (parse("A"), parse("(b)"), parse("A man walks ...")) == ("a", "b", None)
    assert label_parser(("yes", "no"))("No, it is not") == "no"  # word labels unchanged


def test_prose_stays_invalid_and_is_scored_wrong() -> None:
    from peftbench.metrics import METRICS

    spec = DATASETS.get("quartz")
    texts = ["A", "A man walks into a bar", "B", "The ball"]
    parsed = [spec.parse(t) for t in texts]
    assert parsed == ["a", None, "b", None]  # None: what evaluation counts in invalid_rate
    assert METRICS.get(spec.metric)(parsed, ["a", "a", "b", "a"]) == pytest.approx(50.0)


def test_labels_need_letters_or_digits() -> None:
    with pytest.raises(ValueError):
        choice_parser(("ok", "!!"))


def test_multirc_parses_to_booleans() -> None:
    parse = DATASETS.get("multirc").parse
    assert (parse("True"), parse("false."), parse("yes")) == (True, False, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3.5", 3.5), ("4", 4.0), ("score: 2.25 of 5", 2.25), ("-1", -1.0), ("five", None)],
)
def test_numbers(text: str, expected: float | None) -> None:
    assert number_parser(text) == expected


def test_stsb_answers_are_short_numbers() -> None:
    assert [score_text(x) for x in (4.800000190734863, 5.0, 0.25, 3.0)] == ["4.8", "5", "0.25", "3"]


def test_gsm8k_parser() -> None:
    assert parse_gsm8k("step 1\nstep 2\n#### 42") == 42.0
    assert parse_gsm8k("#### 3\n#### 1,234.5 dollars") == 1234.5
    assert parse_gsm8k("the answer is 42") is None
    assert parse_gsm8k("#### unknown") is None


def test_svamp_parser_and_equations() -> None:
    assert parse_svamp("(12 + 34) = 46") == 46.0
    assert parse_svamp("(12 + 34) = 46.0\n(1 + 1) = 2") == 46.0
    assert parse_svamp("46") == 46.0
    assert parse_svamp("(5 + 3)") == 3.0  # no '=': its last number, which is then just wrong
    assert parse_svamp("no idea") is None
    assert clean_equation("( ( 100.0 - 54.0 ) / 2.5 )") == "((100 - 54) / 2.5)"
    assert fmt_number(46.0) == "46" and fmt_number(2.5) == "2.5"


def test_mathqa_options() -> None:
    text = "a ) 38 , b ) 27.675 , c ) 1,200 , d ) data inadequate , e ) none of these"
    assert mathqa_options(text) == ["38", "27.675", "1,200", "data inadequate", "none of these"]
    assert mathqa_options("['a ) 1', 'b ) 2', 'c ) 3', 'd ) 4', 'e ) 5']") == list("12345")
    with pytest.raises(ValueError):
        mathqa_options("a ) 1 , c ) 3")


def test_code_parser() -> None:
    assert code_parser("```python\nx = 1\nprint(x)\n```\nThis prints 1.") == "x = 1\nprint(x)"
    assert code_parser("Here:\n```\nfor i in r:\n    f(i)\n```") == "for i in r:\n    f(i)"
    assert code_parser("```python\ndef f():\n    return 1") == "def f():\n    return 1"  # cut off
    assert code_parser("print(1)\n") == "print(1)"
    assert code_parser("  \n") is None
    assert code_parser("```python\n```") is None


def test_wsc_marks_the_pronoun_only_where_it_is() -> None:
    text = "The trophy does not fit in the suitcase because it is too big."
    assert "because *it* is" in mark_pronoun(text, 9, "it")
    assert mark_pronoun(text, 3, "it") == text  # index does not point at the pronoun


def test_reading_comprehension_clean_up() -> None:
    assert clean_paragraph("<b>Sent 1: </b>A.<br><b>Sent 2: </b>B.") == "Sent 1: A.\nSent 2: B."
    assert clean_passage("Story.\n@highlight\nOne\n@highlight\nTwo") == "Story.\n- One\n- Two"
