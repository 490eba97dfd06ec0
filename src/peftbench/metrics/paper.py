"""PEFT-Bench's own metrics, as its result gatherer computed them, for `scoring.task_metric: paper`.

The original picks one value per dataset (PAPER.md, "Datasets, splits and the paper's metrics";
PEFT-Factory scripts/peftbench/compute_metrics.py): scikit-learn's binary F1 with the *second*
label of the dataset's list as the positive class, macro-F1 for multi-class sets, Pearson r for
STS-B. Which dataset uses which is datasets/paper_metrics.py; the metrics live here, each
registered once (several datasets share a label list, so they share a metric).

The original's treatment of unparseable outputs is reproduced, since it moves the numbers: an
invalid prediction becomes a wrong label, `labels[0]` when the gold is `labels[1]` and `labels[1]`
otherwise (its `binary_reverse`, applied to multi-class sets too), so on a binary set it is a false
positive whenever the gold is negative; macro-F1 averages over the labels present in golds or
predictions (scikit-learn's default); an unparseable STS-B score is -1.0. peftbench's official
metrics count an invalid output as wrong without inventing a class for it.

The label lists are the original's, in its order, in peftbench's verbalisation: its True/False
sets (BoolQ, WiC, WSC, MultiRC) are no/yes (false/true) here; its choice1/choice2,
solution1/solution2, option1/option2 and ending1-4 sets are answered with letters here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

from peftbench.metrics.base import Metric, register
from peftbench.metrics.correlation import _pearson
from peftbench.metrics.f1 import binary_f1


def _as_wrong(
    predictions: Sequence[object], golds: Sequence[object], labels: Sequence[Hashable]
) -> list[object]:
    """The original's rule: an invalid prediction becomes labels[0] if gold is labels[1], else
    labels[1]."""
    return [
        p if p in labels else (labels[0] if g == labels[1] else labels[1])
        for p, g in zip(predictions, golds, strict=True)
    ]


def paper_f1(
    labels: Sequence[Hashable], gold_of: Callable[[object], object] = lambda g: g
) -> Metric:
    """Binary F1 of labels[1] after the original's invalid-output rule (x100)."""

    def compute(predictions: Sequence[object], golds: Sequence[object]) -> float:
        golds = [gold_of(g) for g in golds]
        return 100.0 * binary_f1(_as_wrong(predictions, golds, labels), golds, labels[1])

    return Metric(
        f"paper_f1_{'_'.join(map(str, labels))}",
        f"PEFT-Bench's F1 of '{labels[1]}', invalid outputs made wrong labels (x100)",
        compute,
    )


def paper_macro_f1(labels: Sequence[Hashable]) -> Metric:
    """Macro-F1 over the labels in golds or predictions, after the invalid-output rule (x100)."""

    def compute(predictions: Sequence[object], golds: Sequence[object]) -> float:
        preds = _as_wrong(predictions, golds, labels)
        classes = set(golds) | set(preds)
        return 100.0 * sum(binary_f1(preds, golds, c) for c in classes) / len(classes)

    return Metric(
        f"paper_macro_f1_{'_'.join(map(str, labels))}",
        "PEFT-Bench's macro-F1, invalid outputs made wrong labels (x100)",
        compute,
    )


def _paper_pearson(predictions: Sequence[float | None], golds: Sequence[float]) -> float:
    preds = [-1.0 if p is None else float(p) for p in predictions]
    return 100.0 * _pearson(preds, [float(g) for g in golds])


def _option_label(gold: object) -> object:
    """A MultiRC gold item's label: the item is (question_id, label), one per answer option."""
    if not isinstance(gold, tuple | list) or len(gold) != 2:
        raise ValueError(f"a MultiRC gold item is (question_id, label), got {gold!r}")
    return gold[1]


YES_NO = ("no", "yes")
TWO = ("A", "B")

# Each once: the datasets that share a label list share its metric (datasets/paper_metrics.py).
PAPER = (
    paper_macro_f1(("entailment", "neutral", "contradiction")),  # mnli
    paper_f1(("not_duplicate", "duplicate")),  # qqp
    paper_f1(("entailment", "not_entailment")),  # qnli, rte
    paper_f1(("negative", "positive")),  # sst2
    Metric("paper_pearson", "Pearson r, unparseable = -1.0", _paper_pearson, low=-100.0),  # stsb
    paper_f1(("not_equivalent", "equivalent")),  # mrpc
    paper_f1(("unacceptable", "acceptable")),  # cola
    Metric(
        "paper_f1_multirc",
        "PEFT-Bench's F1 of true over all answer options, invalid outputs made wrong (x100)",
        paper_f1((False, True), gold_of=_option_label).compute,
    ),
    paper_f1(YES_NO),  # boolq, wic, wsc
    paper_macro_f1(("entailment", "contradiction", "neutral")),  # cb
    paper_f1(TWO),  # copa, piqa, winogrande
    paper_macro_f1(("A", "B", "C", "D")),  # mmlu, hellaswag, openbookqa
    paper_macro_f1(("A", "B", "C")),  # siqa
    paper_macro_f1(("A", "B", "C", "D", "E")),  # math_qa
)

for _metric in PAPER:
    register(_metric)
