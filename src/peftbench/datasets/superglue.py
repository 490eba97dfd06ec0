"""SuperGLUE sentence tasks of PEFT-Bench: BoolQ, CB, COPA, WiC, WSC (aps/super_glue).

Train on `train`, evaluate on `validation` (test labels are hidden). Yes/no tasks answer `yes` or
`no`; CB answers its label words and is scored by macro-F1 (accuracy alongside), the rest by
accuracy. COPA keeps its cause/effect question: the same premise asks for a cause in one item and
an effect in another, so a prompt without it is ambiguous (a defect of the original's data prep).
WSC uses the `wsc.fixed` config (span indices corrected) and marks the pronoun in the text.
Sources, labels and limits are in `hub_datasets.toml` ([superglue]); this module reads the rows.
"""

from __future__ import annotations

from peftbench.datasets.base import Example, Row
from peftbench.datasets.hub import integer
from peftbench.datasets.verbal import options

YES_NO = ("no", "yes")  # label 0 -> no (False), 1 -> yes (True)
CB_LABELS = ("entailment", "contradiction", "neutral")
COPA_QUESTION = {"cause": "What was the CAUSE of this?", "effect": "What happened as a RESULT?"}


def _labelled(row: Row) -> int | None:
    label = integer(row["label"])
    return None if label < 0 else label


def build_boolq(split: str, i: int, row: Row) -> Example | None:
    label = _labelled(row)
    if label is None:
        return None
    question = str(row["question"]).strip().rstrip("?")
    prompt = (
        f"Passage: {str(row['passage']).strip()}\n\nQuestion: {question}?\n\n"
        "Answer the question about the passage with yes or no."
    )
    return Example(f"{split}-{i}", prompt, YES_NO[label], YES_NO[label])


def build_cb(split: str, i: int, row: Row) -> Example | None:
    label = _labelled(row)
    if label is None:
        return None
    prompt = (
        f"Premise: {str(row['premise']).strip()}\nHypothesis: {str(row['hypothesis']).strip()}"
        "\n\nDoes the premise entail the hypothesis, contradict it, or neither? Answer with one "
        "word: entailment, contradiction or neutral."
    )
    return Example(f"{split}-{i}", prompt, CB_LABELS[label], CB_LABELS[label])


def build_copa(split: str, i: int, row: Row) -> Example | None:
    label = _labelled(row)
    if label is None:
        return None
    kind = str(row["question"]).strip().lower()
    choices = options([row["choice1"], row["choice2"]])
    prompt = (
        f"Premise: {str(row['premise']).strip()}\nQuestion: {COPA_QUESTION[kind]}\n{choices}\n\n"
        f"Which alternative is the more plausible {kind} of the premise? Answer with A or B."
    )
    letter = "AB"[label]
    return Example(f"{split}-{i}", prompt, letter, letter)


def build_wic(split: str, i: int, row: Row) -> Example | None:
    label = _labelled(row)
    if label is None:
        return None
    word = str(row["word"]).strip()
    prompt = (
        f"Sentence 1: {str(row['sentence1']).strip()}\nSentence 2: "
        f"{str(row['sentence2']).strip()}\n\nIs the word '{word}' used with the same meaning in "
        "both sentences? Answer with yes or no."
    )
    return Example(f"{split}-{i}", prompt, YES_NO[label], YES_NO[label])


def mark_pronoun(text: str, index: int, span: str) -> str:
    """The text with the pronoun at word `index` wrapped in asterisks, when it is really there."""
    tokens = text.split(" ")
    if 0 <= index < len(tokens) and tokens[index].lower().startswith(span.split(" ")[0].lower()):
        n = len(span.split(" "))
        marked = " ".join(tokens[index : index + n])
        return " ".join([*tokens[:index], f"*{marked}*", *tokens[index + n :]])
    return text


def build_wsc(split: str, i: int, row: Row) -> Example | None:
    label = _labelled(row)
    if label is None:
        return None
    pronoun, noun = str(row["span2_text"]).strip(), str(row["span1_text"]).strip()
    text = mark_pronoun(str(row["text"]).strip(), integer(row["span2_index"]), pronoun)
    prompt = (
        f"Text: {text}\n\nIn the text above, does the pronoun *{pronoun}* refer to "
        f"'{noun}'? Answer with yes or no."
    )
    return Example(f"{split}-{i}", prompt, YES_NO[label], YES_NO[label])
