"""ROUGE-L for free-text generation (XSum), implemented here so that scoring needs no extra package.

Tokenisation is `rouge-score`'s default (lower case, every run of characters outside [a-z0-9] is a
separator), without stemming: scores equal `rouge_score.rouge_scorer.RougeScorer(["rougeL"],
use_stemmer=False)` F-measure; papers that stem report slightly higher numbers. The corpus value is
the mean of per-example F-measures, x100. A None prediction scores 0; a gold item is one reference
string or a list of them (the best reference counts, as `score_multi`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from peftbench.metrics.base import mean_metric, register

_SEPARATORS = re.compile(r"[^a-z0-9]+")


def rouge_tokens(text: str) -> list[str]:
    return [t for t in _SEPARATORS.split(text.lower()) if t]


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence (O(len(a) * len(b)) time, O(len(b)) memory)."""
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b, start=1):
            cur.append(prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def rouge_l_f(prediction: str, reference: str) -> float:
    """ROUGE-L F-measure (beta = 1) in [0, 1]."""
    pred, ref = rouge_tokens(prediction), rouge_tokens(reference)
    lcs = lcs_length(pred, ref)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(pred), lcs / len(ref)
    return 2 * precision * recall / (precision + recall)


def _rouge_l(predictions: Sequence[str | None], golds: Sequence[Any]) -> list[float]:
    out = []
    for p, g in zip(predictions, golds, strict=True):
        refs = [g] if isinstance(g, str) else list(g)
        out.append(0.0 if p is None else 100.0 * max(rouge_l_f(p, r) for r in refs))
    return out


register(mean_metric("rouge_l", "ROUGE-L F-measure, mean over examples (x100)", _rouge_l))
