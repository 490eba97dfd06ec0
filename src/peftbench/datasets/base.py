"""Datasets: a registered `DatasetSpec` turns a source into prompt/answer `Example`s.

Every dataset declares, in one place, what the pipeline needs to treat all of them the same way:
its splits (train -> eval), how an answer is parsed from generated text, its headline metric and
direction, and how many tokens an answer needs. Adding a dataset is one module that registers a
spec; loading happens only inside `load`, so listing datasets imports nothing heavy.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

from peftbench.registry import Registry


@dataclass(frozen=True)
class Example:
    """One normalised item: the user turn, the target text, and the gold value the metric sees."""

    id: str
    prompt: str  # instruction + input fields; wrapped in the chat template later
    answer: str  # what the model is trained to generate (verbalised label or answer text)
    gold: object  # what `parse(prediction)` is compared against by the metric
    # this item's own system message (a declared dataset's `system_prompt` template rendered
    # over its row); None: the dataset's `system_prompt`
    system: str | None = None


@dataclass(frozen=True)
class LoadContext:
    """Where data may come from: the cache (package-index downloads) and a user's local files."""

    cache_dir: Path
    data_dir: Path | None = None


LoadFn = Callable[[str, LoadContext], list[Example]]
# generated text -> the parsed prediction the metric compares with `Example.gold` (None: unreadable)
ParseFn = Callable[[str], object]
# One row of a source as read: a parsed JSON line, a parquet or CSV record, an HF dataset row. Its
# values are whatever the file held, so a row function narrows each field where it reads it.
Row: TypeAlias = Mapping[str, object]


def first_word(text: str) -> str:
    """Lower-cased first word without surrounding punctuation ('' for empty output)."""
    words = text.strip().split()
    return words[0].strip(".,;:!?\"'()[]").lower() if words else ""


def first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""


# An option letter at the start of a reply, after an optional "Answer:" / "Option is" prefix.
_LETTER = re.compile(
    r"^[\s*\"'`]*(?:(?:answer|option|choice|label|class)(?:\s+is)?\s*[:=\-]?\s*)?"
    r"(?P<open>[(\[])?(?P<letter>[a-z])(?P<close>[)\]])?(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)


def is_letter_set(labels: Sequence[str]) -> bool:
    return bool(labels) and all(len(label) == 1 and label.isalpha() for label in labels)


def letter_choice(text: str, labels: Sequence[str]) -> str | None:
    """The option letter a reply answers with (as declared in `labels`), or None.

    The letter must stand alone: end of line, a bracket ("(B)", "B)") or punctuation ("B.",
    "B: text", "B - text") after it. Prose that merely starts with a letter-word is not an
    answer: "A man walks into a bar" is not option A, "I think B" is not B; both stay invalid.
    """
    match = _LETTER.match(first_line(text))
    if match is None:
        return None
    rest = match["rest"]
    bracketed = match["close"] is not None
    stands_alone = not rest.strip() or rest[0] in ".,;:!?*\"'`" or rest.lstrip()[0] in "-:\u2013"
    if not (bracketed or stands_alone):
        return None
    by_letter = {label.lower(): label for label in labels}
    return by_letter.get(match["letter"].lower())


def label_parser(labels: Sequence[str]) -> ParseFn:
    """Parse a verbalised label: the first word must be one of `labels`, else invalid (None).

    Single-letter labels (multiple choice) go through `letter_choice`, so prose is not read as
    an option."""
    if is_letter_set(labels):
        return lambda text: letter_choice(text, labels)
    allowed = {label.lower() for label in labels}

    def parse(text: str) -> str | None:
        word = first_word(text)
        return word if word in allowed else None

    return parse


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    group: str  # "classification", "generative", or the paper's groups ("glue", "math", ...)
    description: str
    source: str  # where the data comes from, in words (package, hub id + revision, generator)
    load: LoadFn  # (split, ctx) -> examples
    parse: ParseFn  # generated text -> parsed prediction, or None when unparseable
    metric: str  # headline metric (a name in METRICS)
    splits: tuple[str, str] = ("train", "eval")  # (train split, eval split)
    max_new_tokens: int = 8
    extra_metrics: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()  # verbalised label set, for classification
    system_prompt: str | None = None
    version: str = "1"
    stop_at_newline: bool = True  # answers are one line: stop generating at the first newline
    notes: str = ""
    extras: dict[str, str] = field(default_factory=dict)  # a declared set's origin, fingerprint
    # The dataset's own caps (None: none). A suite's `max_*_examples` applies on top: the smaller
    # of the two wins, so a small run can cap further but never exceed what the dataset allows.
    max_train_examples: int | None = None
    max_eval_examples: int | None = None
    # For hub data: "commit <sha12>" when pinned to a commit, else "UNPINNED (<branch>): why".
    # Empty for data built in code or shipped in a package (versioned by the package).
    pin: str = ""


DATASETS: Registry[DatasetSpec] = Registry("dataset", "peftbench.datasets")


def register(spec: DatasetSpec) -> DatasetSpec:
    return DATASETS.register(spec)
