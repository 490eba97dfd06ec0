"""PEFT-Bench's headline metric for each of its datasets, for `scoring.task_metric: paper`.

The original's result gatherer picks one value per dataset (PAPER.md, "Datasets, splits and the
paper's metrics"): binary F1 of the second label, macro-F1 for multi-class sets, Pearson r for
STS-B, ReCoRD's F1, accuracy for GSM8K/SVAMP and CodeBLEU for code. Several differ from the
dataset's official metric (CoLA: F1, not MCC; MNLI and the multiple-choice sets: macro-F1, not
accuracy). peftbench keeps the official metric as a dataset's headline and always records this
one beside it (`paper_score`), so a leaderboard can use either.

This is which metric, by name; the metrics themselves (with the original's treatment of
unparseable outputs) are registered in metrics/paper.py.
"""

from __future__ import annotations

PAPER_METRICS: dict[str, str] = {
    # GLUE
    "mnli": "paper_macro_f1_entailment_neutral_contradiction",
    "qqp": "paper_f1_not_duplicate_duplicate",
    "qnli": "paper_f1_entailment_not_entailment",
    "sst2": "paper_f1_negative_positive",
    "stsb": "paper_pearson",
    "mrpc": "paper_f1_not_equivalent_equivalent",
    "rte": "paper_f1_entailment_not_entailment",
    "cola": "paper_f1_unacceptable_acceptable",
    # SuperGLUE
    "record": "record_f1",
    "multirc": "paper_f1_multirc",
    "boolq": "paper_f1_no_yes",
    "wic": "paper_f1_no_yes",
    "wsc": "paper_f1_no_yes",
    "cb": "paper_macro_f1_entailment_contradiction_neutral",
    "copa": "paper_f1_A_B",
    # other NLU and reasoning
    "mmlu": "paper_macro_f1_A_B_C_D",
    "piqa": "paper_f1_A_B",
    "siqa": "paper_macro_f1_A_B_C",
    "hellaswag": "paper_macro_f1_A_B_C_D",
    "winogrande": "paper_f1_A_B",
    "openbookqa": "paper_macro_f1_A_B_C_D",
    # math: the number after "####" (GSM8K) / the numeric answer (SVAMP) equals the gold
    "math_qa": "paper_macro_f1_A_B_C_D_E",
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
