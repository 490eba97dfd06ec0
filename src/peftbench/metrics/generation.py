"""ROUGE-1, ROUGE-2 and ROUGE-L for free-text generation (XSum), as the standard reports them.

F-measure with Porter stemming, computed here to equal `rouge_score.rouge_scorer.RougeScorer(
["rouge1", "rouge2", "rougeL"], use_stemmer=True)` (Lin 2004; the setting XSum papers report):
text is lower-cased, every run of characters outside [a-z0-9] separates tokens, and tokens longer
than three characters are stemmed with NLTK's Porter stemmer (the stemmer `rouge-score` uses).
ROUGE-N: clipped n-gram overlap; ROUGE-L: longest common subsequence (summary-level `rougeLsum`
is not used: XSum summaries are one sentence). Each corpus value is the mean of per-example
F-measures, x100. A None prediction scores 0; a gold item is one reference string or a list of
them (the best reference counts, as `score_multi`). The headline is ROUGE-L (SPEC); ROUGE-1 and
ROUGE-2 are recorded beside it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from peftbench.metrics.base import mean_metric, register, strings

if TYPE_CHECKING:
    from nltk.stem.porter import PorterStemmer

_SEPARATORS = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=1)
def _stemmer() -> PorterStemmer:
    from nltk.stem import porter

    return porter.PorterStemmer()


@lru_cache(maxsize=65536)
def _stem(token: str) -> str:
    return _stemmer().stem(token)


def rouge_tokens(text: str, stem: bool = True) -> list[str]:
    tokens = [t for t in _SEPARATORS.split(text.lower()) if t]
    if stem:
        tokens = [_stem(t) if len(t) > 3 else t for t in tokens]
    return [t for t in tokens if t]


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


def _f(overlap: int, n_pred: int, n_ref: int) -> float:
    if overlap == 0:
        return 0.0
    precision, recall = overlap / n_pred, overlap / n_ref
    return 2 * precision * recall / (precision + recall)


def rouge_l_f(prediction: str, reference: str, stem: bool = True) -> float:
    """ROUGE-L F-measure (beta = 1) in [0, 1]."""
    pred, ref = rouge_tokens(prediction, stem), rouge_tokens(reference, stem)
    return _f(lcs_length(pred, ref), len(pred), len(ref))


def rouge_n_f(prediction: str, reference: str, n: int, stem: bool = True) -> float:
    """ROUGE-N F-measure in [0, 1]: clipped n-gram overlap."""
    pred, ref = rouge_tokens(prediction, stem), rouge_tokens(reference, stem)
    p = Counter(tuple(pred[i : i + n]) for i in range(len(pred) - n + 1))
    r = Counter(tuple(ref[i : i + n]) for i in range(len(ref) - n + 1))
    overlap = sum(min(count, p[gram]) for gram, count in r.items())
    return _f(overlap, max(sum(p.values()), 1), max(sum(r.values()), 1))


def _per_item(
    score: Callable[[str, str], float],
) -> Callable[[Sequence[str | None], Sequence[object]], list[float]]:
    def items(predictions: Sequence[str | None], golds: Sequence[object]) -> list[float]:
        out = []
        for p, g in zip(predictions, golds, strict=True):
            refs = strings(g, "a summary gold item")
            out.append(0.0 if p is None else 100.0 * max(score(p, r) for r in refs))
        return out

    return items


register(
    mean_metric(
        "rouge_l",
        "ROUGE-L F-measure with Porter stemming, mean over examples (x100)",
        _per_item(rouge_l_f),
    )
)
register(
    mean_metric(
        "rouge_1",
        "ROUGE-1 F-measure with Porter stemming, mean over examples (x100)",
        _per_item(lambda p, r: rouge_n_f(p, r, 1)),
    )
)
register(
    mean_metric(
        "rouge_2",
        "ROUGE-2 F-measure with Porter stemming, mean over examples (x100)",
        _per_item(lambda p, r: rouge_n_f(p, r, 2)),
    )
)
