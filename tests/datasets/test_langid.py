"""exam-langid's answer parser: one named language is an answer, none or several are not."""

from __future__ import annotations

import pytest

from peftbench.datasets import DATASETS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("polish", "polish"),
        ("Turkish.", "turkish"),
        ("This text is written in Hungarian.", "hungarian"),
        ("Croatian\nor maybe polish", "croatian"),  # only the first line counts
        ("Polish or Turkish?", None),  # a hedge is not an answer
        ("This text is", None),  # cut off before naming one: invalid, counted in invalid_rate
        ("Serbian", None),
        ("", None),
        ("polishing", None),  # whole words only
    ],
)
def test_language_answers(text: str, expected: str | None) -> None:
    assert DATASETS.get("exam-langid").parse(text) == expected
