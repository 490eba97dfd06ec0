"""PEFT-Bench's other NLU sets: MMLU, PIQA, SIQA, HellaSwag, WinoGrande (xl), OpenBookQA.

All are multiple choice: the options are listed with letters and the model answers the letter;
accuracy is the score. Train on `train` (MMLU: its `auxiliary_train` pool; the 57 subjects' own
questions are the benchmark and never trained on) and evaluate on `validation`.
WinoGrande uses one instruction for train and eval (the original left it out of training).
PIQA and SIQA still ship loading scripts on their main branches, which `datasets` >= 4 cannot
run, so they load from the hub's own Parquet export (`refs/convert/parquet`). Each set's source,
options and limits are in `hub_datasets.toml` ([nlu]); this module turns a row into an Example.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from peftbench.datasets.base import Example, Row
from peftbench.datasets.hub import integer, mapping, seq
from peftbench.datasets.verbal import LETTERS, options


def _ask(letters: str) -> str:
    return f"Answer with {', '.join(letters[:-1])} or {letters[-1]}."


def _label(row: Row, key: str, allowed: Sequence[str]) -> str | None:
    """The row's answer label as text (`allowed`), or None when the row has none (the test
    splits ship "" or null). Any other value is a row error: `str()` turned a boolean into
    "True", which is no label, so the row was dropped as unlabelled without a word."""
    value = row[key]
    if value is None or value == "":
        return None
    text = (
        str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else None
    )
    if text not in allowed:
        raise ValueError(f"'{key}' should be one of {list(allowed)} (or empty), found {value!r}")
    return text


def _mc(split: str, i: int, stem: str, texts: Sequence[object], answer: int) -> Example:
    letters = LETTERS[: len(texts)]
    prompt = f"{stem}\n{options(texts, letters)}\n\n{_ask(letters)}"
    return Example(f"{split}-{i}", prompt, letters[answer], letters[answer])


def build_mmlu(split: str, i: int, row: Row) -> Example | None:
    if "question" not in row and "train" in row:  # the `auxiliary_train` config nests its rows
        row = mapping(row["train"])
    subject = str(row.get("subject") or "").replace("_", " ").strip()
    about = f"The following question is about {subject}.\n" if subject else ""
    stem = f"{about}Question: {str(row['question']).strip()}"
    return _mc(split, i, stem, seq(row["choices"]), integer(row["answer"]))


def build_piqa(split: str, i: int, row: Row) -> Example | None:
    label = integer(row["label"])
    if label < 0:
        return None
    stem = f"Goal: {str(row['goal']).strip()}\nWhich solution reaches the goal?"
    return _mc(split, i, stem, [row["sol1"], row["sol2"]], label)


def build_siqa(split: str, i: int, row: Row) -> Example | None:
    label = _label(row, "label", ("1", "2", "3"))
    if label is None:
        return None
    stem = f"Context: {str(row['context']).strip()}\nQuestion: {str(row['question']).strip()}"
    texts = [row["answerA"], row["answerB"], row["answerC"]]
    return _mc(split, i, stem, texts, int(label) - 1)


def clean_wikihow(text: str) -> str:
    """HellaSwag's WikiHow contexts carry '[header]', '[title]', '[step]' markers: drop them."""
    return re.sub(r"\s+", " ", re.sub(r"\[\w+\]", " ", str(text))).strip()


def build_hellaswag(split: str, i: int, row: Row) -> Example | None:
    endings = [clean_wikihow(str(e)) for e in seq(row["endings"])]
    label = _label(row, "label", [str(k) for k in range(len(endings))])
    if label is None:  # the test split has no labels
        return None
    context = f"{row['activity_label']}: {clean_wikihow(str(row['ctx']))}"
    stem = f"Context: {context}\nWhich ending continues the context best?"
    return _mc(split, i, stem, endings, int(label))


WINOGRANDE_TASK = "Which option correctly fills the blank (_) in the sentence?"


def build_winogrande(split: str, i: int, row: Row) -> Example | None:
    answer = _label(row, "answer", ("1", "2"))
    if answer is None:
        return None
    stem = f"Sentence: {str(row['sentence']).strip()}\n{WINOGRANDE_TASK}"
    return _mc(split, i, stem, [row["option1"], row["option2"]], int(answer) - 1)


def build_openbookqa(split: str, i: int, row: Row) -> Example | None:
    choices = mapping(row["choices"])
    keys = [str(k).strip() for k in seq(choices["label"])]
    answer = keys.index(str(row["answerKey"]).strip())
    stem = f"Question: {str(row['question_stem']).strip()}"
    return _mc(split, i, stem, seq(choices["text"]), answer)
