"""Prompt pieces and answer parsers shared by the hub datasets.

Parsers read what an instruct model plausibly writes and return the canonical value the metric
compares, or None when the output cannot be read (counted as wrong, and in `invalid_rate`):
- `choice_parser`: the first line's leading words must spell one of the labels, ignoring case,
  punctuation and the separator (so "Not entailment", "not_entailment" and "not-entailment." are
  all `not_entailment`; "(B)" and "B." are `B`). Longer labels are tried first. Option letters
  must stand alone (`base.letter_choice`): "A man walks ..." is prose, not option A.
- `number_parser`: the first number on the first line.
- `code_parser`: the body of the first fenced code block, else the whole output.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from peftbench.datasets.base import ParseFn, first_line, is_letter_set, letter_choice
from peftbench.metrics.numeric import to_number

LETTERS = "ABCDEFGH"
_WORD = re.compile(r"[a-z0-9]+")
_NUMBER = re.compile(r"[-+]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)")
_PREFIXES = ("answer", "option", "choice", "label", "class")  # "Answer: B", "Option 2"
_FENCE = re.compile(r"```[\w+.-]*[ \t]*\n(.*?)(?:```|\Z)", re.S)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def choice_parser(labels: Sequence[str]) -> Callable[[str], str | None]:
    """Parse one of `labels` (returned exactly as declared) from the first line."""
    keyed = sorted(((tuple(words(label)), label) for label in labels), key=lambda kv: -len(kv[0]))
    if any(not key for key, _ in keyed):
        raise ValueError(f"labels must contain letters or digits: {labels}")
    label_heads = {key[0] for key, _ in keyed}
    if is_letter_set(labels):  # multiple choice: the letter must stand alone, not start prose
        return lambda text: letter_choice(text, labels)

    def parse(text: str) -> str | None:
        toks = words(first_line(text))
        if toks and toks[0] in _PREFIXES and toks[0] not in label_heads:
            toks = toks[2:] if toks[1:2] == ["is"] else toks[1:]
        for key, label in keyed:
            if tuple(toks[: len(key)]) == key:
                return label
        return None

    return parse


def mapped_parser(mapping: Mapping[str, object]) -> ParseFn:
    """`choice_parser` over the keys of `mapping`, returning the mapped value ("true" -> True)."""
    choose = choice_parser(list(mapping))

    def parse(text: str) -> object:
        label = choose(text)
        return None if label is None else mapping[label]

    return parse


def first_number(text: str) -> float | None:
    match = _NUMBER.search(text)
    return to_number(match.group(0)) if match else None


def number_parser(text: str) -> float | None:
    """The first number on the first line, as a float (None when there is none)."""
    return first_number(first_line(text))


def code_parser(text: str) -> str | None:
    """Code from a model's answer: the first fenced block's body, else the whole text."""
    match = _FENCE.search(text)
    code = match.group(1) if match else text
    code = code.strip("\n").rstrip()
    return code if code.strip() else None


def options(texts: Sequence[object], labels: Sequence[str] = LETTERS) -> str:
    """'A. first option' lines, one per option (at most as many options as labels)."""
    if len(texts) > len(labels):
        raise ValueError(f"{len(texts)} options but only {len(labels)} labels")
    pairs = zip(labels[: len(texts)], texts, strict=True)
    return "\n".join(f"{label}. {str(text).strip()}" for label, text in pairs)


def fmt_number(value: float) -> str:
    """12.0 -> '12', 0.5 -> '0.5' (answers are written the way people write them)."""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)
