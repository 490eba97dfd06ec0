"""PEFT-Bench's other NLU sets: MMLU, PIQA, SIQA, HellaSwag, WinoGrande (xl), OpenBookQA.

All are multiple choice: the options are listed with letters and the model answers the letter;
accuracy is the score. Train on `train` (MMLU: its `auxiliary_train` pool; the 57 subjects' own
questions are the benchmark and never trained on) and evaluate on `validation`.
WinoGrande uses one instruction for train and eval (the original left it out of training).
PIQA and SIQA still ship loading scripts on their main branches, which `datasets` >= 4 cannot
run, so they load from the hub's own Parquet export (`refs/convert/parquet`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from peftbench.datasets.base import Example, register
from peftbench.datasets.hub import HubSource, RowFn, hub_spec, mapping, seq
from peftbench.datasets.verbal import LETTERS, choice_parser, options

# ybisk/piqa and allenai/social_i_qa keep a loading script on main; these commits hold Parquet
# conversions of the splits (the hub's "Convert dataset to Parquet" commits), read file by file.
PIQA_REVISION = "ba2f7a4920f4968f04c174c53cc157c899e93501"
PIQA_FILES = {s: f"plain_text/{s}-00000-of-00001.parquet" for s in ("train", "validation")}
SIQA_REVISION = "f96e243fd5228e9431b13b9f3bba849a8ec1d013"
SIQA_FILES = {s: f"data/{s}-00000-of-00001.parquet" for s in ("train", "validation")}


def _ask(letters: str) -> str:
    return f"Answer with {', '.join(letters[:-1])} or {letters[-1]}."


def _mc(split: str, i: int, stem: str, texts: list[Any], answer: int) -> Example:
    letters = LETTERS[: len(texts)]
    prompt = f"{stem}\n{options(texts, letters)}\n\n{_ask(letters)}"
    return Example(f"{split}-{i}", prompt, letters[answer], letters[answer])


def build_mmlu(split: str, i: int, row: dict[str, Any]) -> Example | None:
    if "question" not in row and "train" in row:  # the `auxiliary_train` config nests its rows
        row = mapping(row["train"])
    subject = str(row.get("subject") or "").replace("_", " ").strip()
    about = f"The following question is about {subject}.\n" if subject else ""
    stem = f"{about}Question: {str(row['question']).strip()}"
    return _mc(split, i, stem, seq(row["choices"]), int(row["answer"]))


def build_piqa(split: str, i: int, row: dict[str, Any]) -> Example | None:
    label = int(row["label"])
    if label < 0:
        return None
    stem = f"Goal: {str(row['goal']).strip()}\nWhich solution reaches the goal?"
    return _mc(split, i, stem, [row["sol1"], row["sol2"]], label)


def build_siqa(split: str, i: int, row: dict[str, Any]) -> Example | None:
    label = str(row["label"]).strip()
    if label not in ("1", "2", "3"):
        return None
    stem = f"Context: {str(row['context']).strip()}\nQuestion: {str(row['question']).strip()}"
    texts = [row["answerA"], row["answerB"], row["answerC"]]
    return _mc(split, i, stem, texts, int(label) - 1)


def clean_wikihow(text: str) -> str:
    """HellaSwag's WikiHow contexts carry '[header]', '[title]', '[step]' markers: drop them."""
    return re.sub(r"\s+", " ", re.sub(r"\[\w+\]", " ", str(text))).strip()


def build_hellaswag(split: str, i: int, row: dict[str, Any]) -> Example | None:
    label = str(row["label"]).strip()
    if not label.isdigit():  # the test split has no labels
        return None
    context = f"{row['activity_label']}: {clean_wikihow(row['ctx'])}"
    stem = f"Context: {context}\nWhich ending continues the context best?"
    return _mc(split, i, stem, [clean_wikihow(e) for e in seq(row["endings"])], int(label))


WINOGRANDE_REVISION = "01e74176c63542e6b0bcb004dcdea22d94fb67b5"
WINOGRANDE_TASK = "Which option correctly fills the blank (_) in the sentence?"


def build_winogrande(split: str, i: int, row: dict[str, Any]) -> Example | None:
    answer = str(row["answer"]).strip()
    if answer not in ("1", "2"):
        return None
    stem = f"Sentence: {str(row['sentence']).strip()}\n{WINOGRANDE_TASK}"
    return _mc(split, i, stem, [row["option1"], row["option2"]], int(answer) - 1)


def build_openbookqa(split: str, i: int, row: dict[str, Any]) -> Example | None:
    choices = mapping(row["choices"])
    keys = [str(k).strip() for k in seq(choices["label"])]
    answer = keys.index(str(row["answerKey"]).strip())
    stem = f"Question: {str(row['question_stem']).strip()}"
    return _mc(split, i, stem, seq(choices["text"]), answer)


@dataclass(frozen=True)
class ChoiceSet:
    """One multiple-choice set: where its rows come from and how a row becomes an `Example`."""

    name: str
    source: HubSource
    build: RowFn
    n_options: int
    description: str
    splits: tuple[str, str] = ("train", "validation")
    notes: str = ""


SETS = (
    ChoiceSet(
        "mmlu",
        HubSource("cais/mmlu", "all", "c30699e8356da336a370243923dbaf21066bb9fe"),
        build_mmlu,
        4,
        "MMLU: 57-subject exam questions (trained on its auxiliary_train pool)",
        splits=("auxiliary_train", "validation"),
    ),
    ChoiceSet(
        "piqa",
        HubSource("ybisk/piqa", None, PIQA_REVISION, PIQA_FILES),
        build_piqa,
        2,
        "physical commonsense: which of two solutions reaches a goal",
    ),
    ChoiceSet(
        "siqa",
        HubSource("allenai/social_i_qa", None, SIQA_REVISION, SIQA_FILES),
        build_siqa,
        3,
        "Social IQa: commonsense about people's actions and motives",
    ),
    ChoiceSet(
        "hellaswag",
        HubSource("Rowan/hellaswag", None, "218ec52e09a7e7462a5400043bb9a69a41d06b76"),
        build_hellaswag,
        4,
        "commonsense sentence completion, 4 endings",
    ),
    ChoiceSet(
        "winogrande",
        HubSource("allenai/winogrande", "winogrande_xl", WINOGRANDE_REVISION),
        build_winogrande,
        2,
        "WinoGrande (xl): fill the blank with one of two options",
        notes="same instruction in train and eval",
    ),
    ChoiceSet(
        "openbookqa",
        HubSource("allenai/openbookqa", "main", "388097ea7776314e93a529163e0fea805b8a6454"),
        build_openbookqa,
        4,
        "open-book elementary science questions",
    ),
)


def register_choice_set(choice: ChoiceSet) -> None:
    """Every set answers with a letter, is scored by accuracy and shares one system prompt."""
    letters = tuple(LETTERS[: choice.n_options])
    register(
        hub_spec(
            name=choice.name,
            source=choice.source,
            build=choice.build,
            parse=choice_parser(letters),
            group="nlu",
            description=choice.description,
            metric="accuracy",
            splits=choice.splits,
            labels=letters,
            max_new_tokens=4,
            system_prompt="Answer with the letter of the correct option only.",
            notes=choice.notes,
        )
    )


for _choice in SETS:
    register_choice_set(_choice)
