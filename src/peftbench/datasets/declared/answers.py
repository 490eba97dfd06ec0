"""Answer kinds: what the model is trained to write, what the metric compares, how output is read.

One `Kind` per answer kind, in one table; a declared dataset picks its row by `answer.kind`. The
parsers are the ones the registered datasets use (`datasets/verbal.py`), so a declared
classification set is scored exactly like a built-in one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from peftbench.datasets.base import ParseFn, first_line
from peftbench.datasets.declared.templates import render
from peftbench.datasets.hub import seq
from peftbench.datasets.verbal import (
    LETTERS,
    choice_parser,
    code_parser,
    fmt_number,
    number_parser,
    options,
)
from peftbench.errors import UserError, did_you_mean
from peftbench.metrics.numeric import to_number

if TYPE_CHECKING:  # schema imports this module to check a kind: annotations only, no circle
    from peftbench.datasets.declared.schema import AnswerDef

OPTIONS_BLOCK = "options_block"  # the lettered options, for a multiple_choice prompt


def _text_parser(multiline: bool) -> ParseFn:
    def parse(text: str) -> str | None:
        out = text.strip() if multiline else first_line(text)
        return out or None

    return parse


def stops_at_newline(answer: AnswerDef) -> bool:
    return answer.kind != "code" and not (answer.kind == "text" and answer.multiline)


def raw_value(answer: AnswerDef, row: Mapping[str, object], where: str) -> object:
    if answer.field:
        return row[answer.field]
    return render(str(answer.template), row, f"{where}.template")


def option_texts(answer: AnswerDef, row: Mapping[str, object]) -> list[object]:
    opts = seq(row[str(answer.options)])
    if not 2 <= len(opts) <= len(LETTERS):
        raise ValueError(f"{len(opts)} options (2 to {len(LETTERS)} are supported)")
    return opts


def template_fields(answer: AnswerDef, row: Mapping[str, object]) -> dict[str, object]:
    """The row as templates see it: its fields, plus `options_block` for multiple choice."""
    if answer.kind != "multiple_choice":
        return dict(row)
    return {**row, OPTIONS_BLOCK: options(option_texts(answer, row))}


def target(answer: AnswerDef, row: Mapping[str, object], where: str) -> tuple[str, object]:
    """(answer text the model is trained on, gold value the metric compares) for one row."""
    value = raw_value(answer, row, where)
    return KINDS[answer.kind].target(answer, row, value)


def _classification(
    answer: AnswerDef, row: Mapping[str, object], value: object
) -> tuple[str, object]:
    key = _plain(value)
    word = answer.words.get(key, key)
    for label in answer.label_set:
        if label.lower() == word.lower():
            return label, label
    mapped = f" (mapped from '{key}')" if key in answer.words else ""
    raise ValueError(
        f"label '{word}'{mapped} is not one of the declared labels {list(answer.label_set)}"
        + ("" if answer.words else "; for labels stored as numbers or codes add label_words")
    )


def _number(answer: AnswerDef, row: Mapping[str, object], value: object) -> tuple[str, object]:
    number = to_number(value)
    if number is None:
        raise ValueError(f"answer {value!r} is not a number")
    text = fmt_number(number)
    return text, text  # the metric compares as numbers; the gold stays readable


def _text(answer: AnswerDef, row: Mapping[str, object], value: object) -> tuple[str, object]:
    text = str(value).strip()
    if not text:
        raise ValueError("the answer is empty")
    if "\n" in text and not answer.multiline:
        raise ValueError("the answer has several lines; set answer.multiline: true for that")
    return text, text


def _multiple_choice(
    answer: AnswerDef, row: Mapping[str, object], value: object
) -> tuple[str, object]:
    opts = option_texts(answer, row)
    letters = LETTERS[: len(opts)]
    key = _plain(value)
    if key.isdigit() and int(key) < len(opts):
        letter = letters[int(key)]
    elif len(key) == 1 and key.upper() in letters:
        letter = key.upper()
    else:
        texts = [str(o).strip() for o in opts]
        if key not in texts:
            raise ValueError(
                f"answer {value!r} is neither an option index (0-{len(opts) - 1}), a letter "
                f"({', '.join(letters)}) nor one of the options"
            )
        letter = letters[texts.index(key)]
    return letter, letter


def _code(answer: AnswerDef, row: Mapping[str, object], value: object) -> tuple[str, object]:
    code = str(value).strip("\n").rstrip()
    if not code.strip():
        raise ValueError("the answer is empty")
    return code, code


def _plain(value: object) -> str:
    """A label value as text: 1.0 (a CSV or parquet column of whole numbers) reads as '1'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


TargetFn = Callable[["AnswerDef", Mapping[str, object], object], tuple[str, object]]


@dataclass(frozen=True)
class Kind:
    """Everything an answer kind decides, in one row."""

    target: TargetFn  # (answer, row, value) -> (answer text, gold)
    parser: Callable[[AnswerDef], ParseFn]  # how generated text is read
    metrics: tuple[str, ...]  # default metrics, headline first
    max_new_tokens: int  # default generation budget
    group: str  # the listing's group column


KINDS: Mapping[str, Kind] = {
    "classification": Kind(
        _classification, lambda a: choice_parser(a.label_set), ("accuracy",), 8, "classification"
    ),
    "number": Kind(_number, lambda a: number_parser, ("numeric_accuracy",), 12, "generative"),
    "text": Kind(
        _text, lambda a: _text_parser(a.multiline), ("exact_match", "rouge_l"), 32, "generative"
    ),
    "multiple_choice": Kind(
        _multiple_choice,
        lambda a: choice_parser(tuple(LETTERS)),
        ("accuracy",),
        4,
        "multiple choice",
    ),
    "code": Kind(_code, lambda a: code_parser, ("codebleu",), 256, "code"),
}


def kind_of(answer: AnswerDef, where: str) -> Kind:
    if answer.kind not in KINDS:
        hint = did_you_mean(answer.kind, KINDS) or f"choose one of {', '.join(KINDS)}"
        raise UserError(
            f"'{where}.kind' is '{answer.kind}', which is not one of {', '.join(KINDS)}", hint
        )
    return KINDS[answer.kind]
