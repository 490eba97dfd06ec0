"""SuperGLUE reading comprehension: MultiRC and ReCoRD (aps/super_glue), scored as officially.

MultiRC: one example per (paragraph, question, candidate answer), answered `true` or `false`.
The gold item is `(question_id, label)` so that the metrics can score per answer option (F1a) and
per question (exact match: every option of the question right). Under a cap, options of a
question stay together (the split is shuffled by question).

ReCoRD: one example per cloze query (the original duplicated each query once per acceptable
answer, which weights queries unevenly); the model writes the entity that replaces
`@placeholder`; the gold item is the list of acceptable answers, and token F1 / exact match take
the best of them. Training queries without an answer are dropped.
"""

from __future__ import annotations

import re
from typing import Any

from peftbench.datasets.base import Example, first_line, register
from peftbench.datasets.hub import HubSource, hub_spec, mapping, seq
from peftbench.datasets.superglue import REVISION
from peftbench.datasets.verbal import mapped_parser

TRUE_FALSE = {"true": True, "false": False}


def clean_paragraph(text: str) -> str:
    """MultiRC paragraphs carry HTML ('<b>Sent 1: </b>...<br>'): keep the text, one line each."""
    text = re.sub(r"<br\s*/?>", "\n", text)
    return re.sub(r"</?b>", "", text).strip()


def build_multirc(split: str, i: int, row: dict[str, Any]) -> Example | None:
    label = int(row["label"])
    if label < 0:
        return None
    idx = mapping(row["idx"])
    question_id = f"{idx['paragraph']}-{idx['question']}"
    prompt = (
        f"Paragraph:\n{clean_paragraph(str(row['paragraph']))}\n\n"
        f"Question: {str(row['question']).strip()}\n"
        f"Candidate answer: {str(row['answer']).strip()}\n\n"
        "Is the candidate answer correct? Answer with true or false."
    )
    word = "true" if label else "false"
    return Example(f"{split}-{i}", prompt, word, (question_id, bool(label)))


def clean_passage(text: str) -> str:
    """ReCoRD passages end with '@highlight' bullet points: write them as '- ' lines."""
    return re.sub(r"\n?@highlight\n", "\n- ", text).strip()


def _unique(items: list[Any]) -> list[str]:
    return list(dict.fromkeys(str(x).strip() for x in items if str(x).strip()))


def build_record(split: str, i: int, row: dict[str, Any]) -> Example | None:
    answers = _unique(seq(row["answers"]))
    if not answers:
        return None
    entities = "; ".join(_unique(seq(row["entities"])))
    prompt = (
        f"Passage:\n{clean_passage(str(row['passage']))}\n\n"
        f"Query: {str(row['query']).strip()}\n"
        f"Candidate entities: {entities}\n\n"
        "Which entity from the passage replaces @placeholder in the query? Answer with the "
        "entity only."
    )
    return Example(f"{split}-{i}", prompt, answers[0], answers)


def parse_entity(text: str) -> str | None:
    answer = first_line(text).strip().strip("\"'")
    return answer or None


register(
    hub_spec(
        name="multirc",
        source=HubSource("aps/super_glue", "multirc", REVISION),
        build=build_multirc,
        parse=mapped_parser(TRUE_FALSE),
        group="superglue",
        description="multi-sentence reading comprehension: is each candidate answer correct?",
        metric="multirc_f1a",
        extra_metrics=("multirc_em",),
        labels=("true", "false"),
        max_new_tokens=6,
        system_prompt="Answer with true or false only.",
        example_group=lambda ex: ex.gold[0],
        notes="one example per answer option; gold (question_id, label); shuffled by question",
    )
)
register(
    hub_spec(
        name="record",
        source=HubSource("aps/super_glue", "record", REVISION),
        build=build_record,
        parse=parse_entity,
        group="superglue",
        description="cloze-style news reading comprehension: fill @placeholder with an entity",
        metric="record_f1",
        extra_metrics=("record_em",),
        max_new_tokens=24,
        system_prompt="Answer with the entity only.",
        notes="one example per query; gold = all acceptable answers; unanswered train rows dropped",
    )
)
