"""CodeBLEU wrapper: against the `codebleu` package, with its `dataflow or 1` quirk fixed."""

from __future__ import annotations

import pytest
from needs import missing, need_module

from peftbench.metrics import METRICS

codebleu = need_module("codebleu", "pip install 'peftbench[code]'", module_level=True)

REF = "def add(a, b):\n    total = a + b\n    return total\n"
PRED = "def add(x, y):\n    s = x + y\n    return s\n"


@pytest.fixture(scope="module")
def language_ok() -> None:
    try:
        from codebleu.utils import get_tree_sitter_language

        get_tree_sitter_language("python")
    except (ImportError, TypeError) as exc:
        missing(f"the tree-sitter Python grammar ({exc})", "pip install 'peftbench[code]'")


def test_identical_code_scores_100(language_ok: None) -> None:
    assert METRICS.get("codebleu")([REF], [REF]) == pytest.approx(100.0)


def test_matches_package_when_dataflow_is_nonzero(language_ok: None) -> None:
    expected = codebleu.calc_codebleu([REF, REF], [PRED, REF], lang="python")
    assert expected["dataflow_match_score"] > 0
    value = METRICS.get("codebleu")([PRED, REF], [REF, REF])
    assert value == pytest.approx(100 * expected["codebleu"])


def test_unparseable_predictions_score_zero_not_25(language_ok: None) -> None:
    assert codebleu.calc_codebleu([REF], [""], lang="python")["codebleu"] == pytest.approx(0.25)
    assert METRICS.get("codebleu")([None], [REF]) == 0.0


def test_references_without_dataflow_keep_the_neutral_term(language_ok: None) -> None:
    ref = "print('hi')"
    expected = codebleu.calc_codebleu([ref], [ref], lang="python")["codebleu"]
    assert METRICS.get("codebleu")([ref], [ref]) == pytest.approx(100 * expected)
