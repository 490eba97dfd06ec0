"""The eight GLUE tasks of PEFT-Bench (nyu-mll/glue): one row function for all of them.

Labels are the GLUE label names, written as words (`not_entailment` is one answer; "not
entailment" parses to it too). Scores follow the official GLUE metrics: accuracy, F1 of the
positive class for MRPC and QQP (accuracy reported alongside), Pearson for STS-B (Spearman
alongside), Matthews correlation for CoLA. Train on `train`, evaluate on `validation` (the GLUE
test labels are hidden); MNLI evaluates on `validation_mismatched`, as the paper.

Prompts put the input fields first and the instruction last, so that a prompt cut from the left
to fit `max_length` keeps its instruction. Each task's source, labels, metrics and wording are in
`hub_datasets.toml` ([glue]); this module turns a row into an Example.
"""

from __future__ import annotations

from collections.abc import Mapping

from peftbench.datasets.base import Example, Row
from peftbench.datasets.hub import RowFn, integer, real
from peftbench.registry import check_keys


def score_text(value: float) -> str:
    """An STS-B score as an answer: two decimals at most ('3.8', '4.25', '5')."""
    return f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")


def sentence_task(name: str, prompt: Mapping[str, object], labels: tuple[str, ...]) -> RowFn:
    """The row function of one GLUE task: `prompt["fields"]` (column -> how the prompt names it,
    in order) then `prompt["question"]`; the label index -> `labels` word, or with no labels
    (STS-B) the score."""
    check_keys(f"GLUE task '{name}' prompt", prompt, {"fields": dict, "question": str}, {})
    columns, question = prompt["fields"], prompt["question"]
    assert isinstance(columns, dict) and isinstance(question, str)  # as check_keys found them
    fields = tuple(columns.items())

    def build(split: str, i: int, row: Row) -> Example | None:
        label = row["label"]
        if labels and integer(label) < 0:  # unlabelled (test) rows
            return None
        inputs = "\n".join(f"{title}: {str(row[col]).strip()}" for col, title in fields)
        text = f"{inputs}\n\n{question}"
        if labels:
            if integer(label) >= len(labels):
                raise ValueError(
                    f"label {label} is out of range: {name} labels are 0..{len(labels) - 1}"
                    f" ({', '.join(labels)})"
                )
            word = labels[integer(label)]
            return Example(f"{split}-{i}", text, word, word)
        gold = round(real(label), 4)
        return Example(f"{split}-{i}", text, score_text(gold), gold)

    return build
