"""CodeBLEU for code generation (CoNaLa, CodeAlpaca-Python, APPS), as in the paper.

Wraps the `codebleu` package (PyPI `codebleu`, k4black's maintained port of the CodeXGLUE
implementation), which works offline but needs a tree-sitter grammar for Python:
`pip install codebleu "tree-sitter-python==0.21.0"` (codebleu 0.7 pins tree-sitter < 0.23, and
newer grammar wheels fail there with "TypeError: an integer is required"). The import happens only
when the metric is computed; without the packages, computing it raises a `UserError` naming them.

CodeBLEU is corpus-level: 0.25 * (BLEU + keyword-weighted BLEU + AST match + data-flow match) on
whitespace tokens, x100. A None prediction is scored as empty code: it matches nothing, and its
references still count in every denominator.

One deliberate difference from `codebleu.calc_codebleu`: it uses `dataflow or 1`, which is meant
for references without any data flow (the score is undefined, so the term is neutral) but also
turns a genuine 0 into a perfect 1, so a corpus of empty predictions would score 25. We give the
neutral 1 only when the references really have no data flow, and 0 otherwise.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Mapping, Sequence

from peftbench.errors import UserError
from peftbench.metrics.base import Metric, register, strings

INSTALL_HINT = 'pip install codebleu "tree-sitter-python==0.21.0"'


def codebleu_components(
    predictions: Sequence[str | None], golds: Sequence[object], lang: str = "python"
) -> dict[str, float]:
    """The four CodeBLEU components and the combined score, each in [0, 1].

    A gold item is one reference program, a list of them, or a mapping whose "references" holds
    them (APPS: the same gold item also carries the tests that `pass_at_1` runs).
    """
    try:
        from codebleu import calc_codebleu
        from codebleu.dataflow_match import corpus_dataflow_match
        from codebleu.utils import get_tree_sitter_language

        language = get_tree_sitter_language(lang)
    except (ImportError, TypeError) as exc:
        raise UserError(
            f"the codebleu metric needs the 'codebleu' package and a compatible tree-sitter "
            f"grammar for {lang}: {exc}",
            INSTALL_HINT,
        ) from exc
    refs = [_references(g) for g in golds]
    hyps = ["" if p is None else str(p) for p in predictions]
    quiet = logging.getLogger()
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # the package logs a warning per degenerate corpus
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            parts = calc_codebleu(refs, hyps, lang=lang)
            dataflow = parts["dataflow_match_score"]
            if not dataflow:  # 0: are the references without data flow (neutral), or a miss?
                has_flow = corpus_dataflow_match(refs, [r[0] for r in refs], lang, language)
                dataflow = 0.0 if has_flow else 1.0
    finally:
        quiet.setLevel(level)
    score = 0.25 * (
        parts["ngram_match_score"]
        + parts["weighted_ngram_match_score"]
        + parts["syntax_match_score"]
        + dataflow
    )
    return {
        "codebleu": score,
        "ngram_match": parts["ngram_match_score"],
        "weighted_ngram_match": parts["weighted_ngram_match_score"],
        "syntax_match": parts["syntax_match_score"],
        "dataflow_match": dataflow,
    }


def _references(gold: object) -> list[str]:
    if isinstance(gold, Mapping):
        gold = gold["references"]
    return strings(gold, "a code gold item's references")


def _codebleu(predictions: Sequence[str | None], golds: Sequence[object]) -> float:
    return 100.0 * codebleu_components(predictions, golds)["codebleu"]


register(Metric("codebleu", "CodeBLEU for Python, corpus-level (x100)", _codebleu))
