"""SuperGLUE reading-comprehension metrics: MultiRC (F1a, EM) and ReCoRD (token F1, EM).

MultiRC item format: one item per answer option. A gold item is a pair `(question_id, label)`;
the prediction is the predicted label for that option (same type as `label`), or None when
unparseable (wrong). Options of one question share its `question_id` (any hashable, unique per
question across the split, e.g. "paragraph-question"). The registered metrics treat the label
`True` as "this option is correct" (the hub's 0/1 labels work as they are, since 1 == True);
a dataset that verbalises labels as words uses `make_multirc_f1a("true")`.
- F1a: binary F1 over all answer options (positive = correct option), as the official scorer.
- EM: share of questions whose options are all predicted right.

ReCoRD item format: the gold item is the list of acceptable answer strings (a bare string is one
answer); the prediction is a string or None (scores 0). Both scores use SQuAD normalisation and
take the maximum over the gold answers, averaged over queries.
"""

from __future__ import annotations

import re
import string
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

from peftbench.metrics import _resample
from peftbench.metrics.base import Metric, mean_metric, register, strings
from peftbench.metrics.f1 import binary_f1

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


def _multirc_pairs(golds: Sequence[object]) -> list[tuple[Hashable, object]]:
    pairs: list[tuple[Hashable, object]] = []
    for g in golds:
        if not isinstance(g, (tuple, list)) or len(g) != 2:
            raise ValueError(f"a MultiRC gold item is (question_id, label), got {g!r}")
        pairs.append((g[0], g[1]))
    return pairs


def make_multirc_f1a(positive: Hashable = True, name: str = "multirc_f1a") -> Metric:
    def compute(predictions: Sequence[object], golds: Sequence[object]) -> float:
        labels = [label for _, label in _multirc_pairs(golds)]
        return 100.0 * binary_f1(predictions, labels, positive)

    def replicates(
        predictions: Sequence[object], golds: Sequence[object], draws: NDArray[np.intp]
    ) -> NDArray[np.float64]:
        labels = [label for _, label in _multirc_pairs(golds)]
        return 100.0 * _resample.binary_f1(predictions, labels, positive, draws)

    description = f"MultiRC F1 over all answer options, positive label '{positive}' (x100)"
    return Metric(name, description, compute, replicates=replicates)


def multirc_em(predictions: Sequence[object], golds: Sequence[object]) -> float:
    all_right: dict[Hashable, bool] = defaultdict(lambda: True)
    for p, (qid, label) in zip(predictions, _multirc_pairs(golds), strict=True):
        all_right[qid] = all_right[qid] and p is not None and p == label
    return 100.0 * sum(all_right.values()) / len(all_right)


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower case, drop punctuation and articles, collapse whitespace."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCT)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


_PUNCT = frozenset(string.punctuation)


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD v1.1 token F1 in [0, 1] between two answers, after normalisation."""
    pred_tokens = normalize_answer(prediction).split()
    gold_tokens = normalize_answer(gold).split()
    same = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred_tokens), same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def _answers(gold: object) -> list[str]:
    answers = strings(gold, "a ReCoRD gold item")
    if not answers:
        raise ValueError("a ReCoRD gold item needs at least one answer")
    return answers


def record_f1_items(predictions: Sequence[str | None], golds: Sequence[object]) -> list[float]:
    return [
        0.0 if p is None else 100.0 * max(token_f1(p, a) for a in _answers(g))
        for p, g in zip(predictions, golds, strict=True)
    ]


def record_em_items(predictions: Sequence[str | None], golds: Sequence[object]) -> list[float]:
    return [
        100.0
        * (p is not None and any(normalize_answer(p) == normalize_answer(a) for a in _answers(g)))
        for p, g in zip(predictions, golds, strict=True)
    ]


def record_f1(predictions: Sequence[str | None], golds: Sequence[object]) -> float:
    return sum(record_f1_items(predictions, golds)) / len(golds)


def record_em(predictions: Sequence[str | None], golds: Sequence[object]) -> float:
    return sum(record_em_items(predictions, golds)) / len(golds)


register(make_multirc_f1a())
register(
    Metric("multirc_em", "MultiRC share of questions with every option right (x100)", multirc_em)
)
register(mean_metric("record_f1", "ReCoRD token F1, max over gold answers (x100)", record_f1_items))
register(mean_metric("record_em", "ReCoRD exact match after normalisation (x100)", record_em_items))
