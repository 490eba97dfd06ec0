"""SuperGLUE reading comprehension: MultiRC and ReCoRD (aps/super_glue), scored as officially.

MultiRC: one example per (paragraph, question, candidate answer), answered `true` or `false`.
The gold item is `(question_id, label)` so that the metrics can score per answer option (F1a) and
per question (exact match: every option of the question right). Under a cap, options of a
question stay together (the split is shuffled by question).

ReCoRD: one example per cloze query (the original duplicated each query once per acceptable
answer, which weights queries unevenly); the model writes the entity that replaces
`@placeholder`; the gold item is the list of acceptable answers, and token F1 / exact match take
the best of them. Training queries without an answer are dropped.

Sources and limits are in `hub_datasets.toml` ([superglue]); this module reads the rows.
"""

from __future__ import annotations

import re

from peftbench.datasets.base import Example, Row, first_line
from peftbench.datasets.hub import integer, mapping, seq
from peftbench.datasets.verbal import mapped_parser

TRUE_FALSE = {"true": True, "false": False}
parse_true_false = mapped_parser(TRUE_FALSE)  # MultiRC's answer: "true" -> True, "false" -> False


def clean_paragraph(text: str) -> str:
    """MultiRC paragraphs carry HTML ('<b>Sent 1: </b>...<br>'): keep the text, one line each."""
    text = re.sub(r"<br\s*/?>", "\n", text)
    return re.sub(r"</?b>", "", text).strip()


def build_multirc(split: str, i: int, row: Row) -> Example | None:
    label = integer(row["label"])
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


def question_of(example: Example) -> str:
    """MultiRC's question id: the options of one question stay together when a split is shuffled."""
    gold = example.gold
    assert isinstance(gold, tuple), f"a MultiRC gold is (question id, label), found {gold!r}"
    return str(gold[0])


def clean_passage(text: str) -> str:
    """ReCoRD passages end with '@highlight' bullet points: write them as '- ' lines."""
    return re.sub(r"\n?@highlight\n", "\n- ", text).strip()


def _unique(items: list[object]) -> list[str]:
    return list(dict.fromkeys(str(x).strip() for x in items if str(x).strip()))


def build_record(split: str, i: int, row: Row) -> Example | None:
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
