"""The eight GLUE tasks of PEFT-Bench (nyu-mll/glue), each one registered dataset.

Labels are the GLUE label names, written as words (`not_entailment` is one answer; "not
entailment" parses to it too). Scores follow the official GLUE metrics: accuracy, F1 of the
positive class for MRPC and QQP (accuracy reported alongside), Pearson for STS-B (Spearman
alongside), Matthews correlation for CoLA. Train on `train`, evaluate on `validation` (the GLUE
test labels are hidden); MNLI evaluates on `validation_mismatched`, as the paper.

Prompts put the input fields first and the instruction last, so that a prompt cut from the left
to fit `max_length` keeps its instruction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from peftbench.datasets.base import Example, register
from peftbench.datasets.hub import HubSource, hub_spec
from peftbench.datasets.verbal import choice_parser, number_parser

# nyu-mll/glue is Parquet on main; this commit is the one public pinned uses of the repository name
# (e.g. hf://datasets/nyu-mll/glue@bcdcba79.../mrpc/train-00000-of-00001.parquet).
REVISION = "bcdcba79d07bc864c1c254ccfcedcce55bcc9a8c"


@dataclass(frozen=True)
class GlueTask:
    name: str
    fields: tuple[tuple[str, str], ...]  # (column, how the prompt names it)
    question: str
    labels: tuple[str, ...]  # label index -> word; empty for the regression task (STS-B)
    metric: str
    extra_metrics: tuple[str, ...] = ()
    eval_split: str = "validation"
    description: str = ""


def _pair(a: str, b: str) -> tuple[tuple[str, str], ...]:
    return ((a, a.capitalize()), (b, b.capitalize()))


def _numbered(column: str, label: str) -> tuple[tuple[str, str], ...]:
    return ((f"{column}1", f"{label} 1"), (f"{column}2", f"{label} 2"))


TASKS = (
    GlueTask(
        "mnli",
        _pair("premise", "hypothesis"),
        "Does the premise entail the hypothesis? Answer with one word: entailment, neutral or "
        "contradiction.",
        ("entailment", "neutral", "contradiction"),
        "accuracy",
        ("f1_macro",),
        eval_split="validation_mismatched",
        description="MultiNLI, 3-way entailment; eval on the mismatched genres",
    ),
    GlueTask(
        "qqp",
        _numbered("question", "Question"),
        "Do the two questions ask the same thing? Answer with one word: duplicate or "
        "not_duplicate.",
        ("not_duplicate", "duplicate"),
        "f1_duplicate",
        ("accuracy",),
        description="Quora question pairs, duplicate or not",
    ),
    GlueTask(
        "qnli",
        (("question", "Question"), ("sentence", "Sentence")),
        "Does the sentence answer the question? Answer with one word: entailment or "
        "not_entailment.",
        ("entailment", "not_entailment"),
        "accuracy",
        description="question/sentence answer entailment (from SQuAD)",
    ),
    GlueTask(
        "sst2",
        (("sentence", "Sentence"),),
        "What is the sentiment of the sentence? Answer with one word: negative or positive.",
        ("negative", "positive"),
        "accuracy",
        description="Stanford Sentiment Treebank, binary sentiment of movie-review phrases",
    ),
    GlueTask(
        "stsb",
        _numbered("sentence", "Sentence"),
        "How similar are the two sentences in meaning, from 0 (unrelated) to 5 (equivalent)? "
        "Answer with the score only.",
        (),
        "pearson",
        ("spearman",),
        description="semantic textual similarity, a score from 0 to 5",
    ),
    GlueTask(
        "mrpc",
        _numbered("sentence", "Sentence"),
        "Are the two sentences paraphrases of each other? Answer with one word: equivalent or "
        "not_equivalent.",
        ("not_equivalent", "equivalent"),
        "f1_equivalent",
        ("accuracy",),
        description="Microsoft Research paraphrase corpus, equivalent or not",
    ),
    GlueTask(
        "rte",
        _numbered("sentence", "Sentence"),
        "Does sentence 1 entail sentence 2? Answer with one word: entailment or not_entailment.",
        ("entailment", "not_entailment"),
        "accuracy",
        description="recognising textual entailment, 2-way",
    ),
    GlueTask(
        "cola",
        (("sentence", "Sentence"),),
        "Is the sentence grammatically acceptable English? Answer with one word: acceptable or "
        "unacceptable.",
        ("unacceptable", "acceptable"),
        "mcc",
        ("accuracy",),
        description="Corpus of Linguistic Acceptability, scored by Matthews correlation",
    ),
)


def score_text(value: float) -> str:
    """An STS-B score as an answer: two decimals at most ('3.8', '4.25', '5')."""
    return f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")


def _builder(task: GlueTask):
    def build(split: str, i: int, row: dict[str, Any]) -> Example | None:
        label = row["label"]
        if task.labels and int(label) < 0:  # unlabelled (test) rows
            return None
        inputs = "\n".join(f"{name}: {str(row[col]).strip()}" for col, name in task.fields)
        prompt = f"{inputs}\n\n{task.question}"
        if task.labels:
            if int(label) >= len(task.labels):
                raise ValueError(
                    f"label {label} is out of range: {task.name} labels are "
                    f"0..{len(task.labels) - 1}"
                    f" ({', '.join(task.labels)})"
                )
            word = task.labels[int(label)]
            return Example(f"{split}-{i}", prompt, word, word)
        gold = round(float(label), 4)
        return Example(f"{split}-{i}", prompt, score_text(gold), gold)

    return build


for _task in TASKS:
    register(
        hub_spec(
            name=_task.name,
            source=HubSource("nyu-mll/glue", _task.name, REVISION),
            build=_builder(_task),
            parse=choice_parser(_task.labels) if _task.labels else number_parser,
            group="glue",
            description=_task.description,
            metric=_task.metric,
            extra_metrics=_task.extra_metrics,
            splits=("train", _task.eval_split),
            labels=_task.labels,
            max_new_tokens=8,
            system_prompt="Answer with the label only."
            if _task.labels
            else "Answer with the number only.",
        )
    )
