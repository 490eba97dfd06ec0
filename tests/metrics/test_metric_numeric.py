"""GSM8K / SVAMP numeric extraction and numeric accuracy."""

from __future__ import annotations

import pytest

from peftbench.metrics import METRICS
from peftbench.metrics.numeric import extract_gsm8k_gold, extract_last_number


def test_gsm8k_gold_is_the_number_after_hashes() -> None:
    text = "Natalia sold 48/2 = <<48/2=24>>24 clips.\n48+24 = <<48+24=72>>72\n#### 1,072"
    assert extract_gsm8k_gold(text) == "1072"
    assert extract_gsm8k_gold("#### -3.5") == "-3.5"
    with pytest.raises(ValueError):
        extract_gsm8k_gold("no answer")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("She has 3 apples, then 5. The answer is 12.", "12"),
        ("The total is $1,234.50", "1234.50"),
        ("so -7 degrees", "-7"),
        ("answer: .5", ".5"),
        ("no digits here.", None),
        ("", None),
    ],
)
def test_extract_last_number(text: str, expected: str | None) -> None:
    assert extract_last_number(text) == expected


def test_numeric_accuracy_compares_numbers() -> None:
    metric = METRICS.get("numeric_accuracy")
    preds = ["5", "5.0", "1,000", None, "abc", "0.1", "7"]
    golds = ["5.0", 5, "1000", "3", "3", 0.1, "8"]
    assert metric(preds, golds) == pytest.approx(100 * 4 / 7)
