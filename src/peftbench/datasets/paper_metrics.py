"""PEFT-Bench's headline metric for each of its datasets, for `scoring.task_metric: paper`.

The original's result gatherer picks one value per dataset (PAPER.md, "Datasets, splits and the
paper's metrics"): binary F1 with the *second* label of its list as the positive class, macro-F1
for multi-class sets, Pearson r for STS-B, ReCoRD's F1, accuracy for GSM8K/SVAMP and CodeBLEU
for code. Several differ from the dataset's official metric (CoLA: F1, not MCC; MNLI, the
multiple-choice sets: macro-F1, not accuracy). peftbench keeps the official metric as a dataset's
headline and always computes this one beside it, so a leaderboard can use either.

Positive classes in peftbench's verbalisation: the original's True/False sets (BoolQ, WiC, WSC)
answer yes/no here, so "True" is `yes`; its choice1/choice2, solution1/solution2 and
option1/option2 sets are answered with letters here, so the second option is `B`. MultiRC's
binary F1 over all answer options (positive: true) is its F1a.
"""

from __future__ import annotations

from peftbench.metrics.f1 import register_binary_f1

PAPER_METRICS: dict[str, str] = {
    # GLUE
    "mnli": "f1_macro",
    "qqp": register_binary_f1("duplicate"),
    "qnli": register_binary_f1("not_entailment"),
    "sst2": register_binary_f1("positive"),
    "stsb": "pearson",
    "mrpc": register_binary_f1("equivalent"),
    "rte": register_binary_f1("not_entailment"),
    "cola": register_binary_f1("acceptable"),
    # SuperGLUE
    "record": "record_f1",
    "multirc": "multirc_f1a",
    "boolq": register_binary_f1("yes"),
    "wic": register_binary_f1("yes"),
    "wsc": register_binary_f1("yes"),
    "cb": "f1_macro",
    "copa": register_binary_f1("B"),
    # other NLU and reasoning
    "mmlu": "f1_macro",
    "piqa": register_binary_f1("B"),
    "siqa": "f1_macro",
    "hellaswag": "f1_macro",
    "winogrande": register_binary_f1("B"),
    "openbookqa": "f1_macro",
    # math: the number after "####" (GSM8K) / the numeric answer (SVAMP) equals the gold
    "math_qa": "f1_macro",
    "gsm8k": "numeric_accuracy",
    "svamp": "numeric_accuracy",
    # code
    "conala": "codebleu",
    "codealpacapy": "codebleu",
    "apps": "codebleu",
}


def paper_metric(dataset: str) -> str | None:
    """PEFT-Bench's headline metric for `dataset`, or None when the paper did not use it."""
    return PAPER_METRICS.get(dataset)
