"""The shape of a declared dataset: every key with its type and default, checked like a suite.

A declaration is plain data (YAML), validated by the same `config.validate.build` as every other
setting: unknown keys fail with a "did you mean", wrong types name the key and the value, and the
closed choices (answer kind, source form) are checked here with the allowed values listed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from dataclasses import field as default
from pathlib import Path

from peftbench.datasets.declared.answers import kind_of
from peftbench.datasets.splits import SPLIT_SEED
from peftbench.errors import UserError

LOCAL_SUFFIXES = (".jsonl", ".csv", ".parquet")
COMMIT = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class SourceDef:
    """Where the rows come from: exactly one of `train` (+ `eval`), `file`, or `hub`.

    `train` + `eval`: two local files. `file`, or `train` alone, or `hub` without `eval_split`: one
    split, divided into train and eval by a seeded shuffle (`split_seed`), `eval_size` rows (a
    whole number) or that share of them (below 1) going to eval. Local files: .jsonl, .csv or
    .parquet. Hub: `hub` id, `config`, pinned `revision`, split names.
    """

    train: str | None = None
    eval: str | None = None
    file: str | None = None
    hub: str | None = None
    config: str | None = None
    revision: str | None = None
    train_split: str = "train"
    eval_split: str | None = None
    eval_size: float = 0.2
    split_seed: int = SPLIT_SEED

    def check(self, where: str) -> None:
        forms = [k for k in ("train", "file", "hub") if getattr(self, k)]
        if len(forms) != 1:
            raise UserError(
                f"'{where}' must name exactly one of train (+ eval), file, or hub; "
                f"it names {', '.join(forms) or 'none'}",
                "local files: `source: {train: train.jsonl, eval: eval.jsonl}` or "
                "`source: {file: all.jsonl}`; hub: `source: {hub: ORG/NAME, revision: COMMIT}`",
            )
        if self.eval and not self.train:
            raise UserError(f"'{where}.eval' needs '{where}.train' beside it")
        for key in ("train", "eval", "file"):
            path = getattr(self, key)
            if path and not str(path).endswith(LOCAL_SUFFIXES):
                raise UserError(
                    f"'{where}.{key}' is '{path}', which is not a .jsonl, .csv or .parquet file",
                    "convert the data to one of those formats",
                )
        if self.hub and not COMMIT.match(str(self.revision or "")):
            got = f"is '{self.revision}'" if self.revision else "is missing"
            raise UserError(
                f"'{where}.revision' {got}, but a hub source needs a commit id (40 hex digits): "
                "a branch or tag can move, and the data would change under the results",
                f"pin it to a commit id of {self.hub}: revision: <40-hex commit> (the hub "
                "page's 'History' lists them)",
            )
        size = self.eval_size
        if not math.isfinite(size) or size <= 0 or (size >= 1 and not float(size).is_integer()):
            raise UserError(
                f"'{where}.eval_size' is {size!r}, but must be a share of the rows (0 < x < 1) "
                "or a whole number of rows (>= 1)",
                "e.g. eval_size: 0.2, or eval_size: 100",
            )
        if self.train and self.eval and Path(self.train) == Path(self.eval):
            same_source(where, "train", "eval", f"the same file ({self.train})")
        if self.hub and self.eval_split == self.train_split:
            same_source(where, "train_split", "eval_split", f"the same split ('{self.eval_split}')")

    @property
    def splits_itself(self) -> bool:
        """True when one split is divided into train and eval here (recorded in the version)."""
        return bool(
            self.file or (self.train and not self.eval) or (self.hub and not self.eval_split)
        )


def same_source(where: str, a: str, b: str, what: str) -> None:
    """Train and eval from the same rows: every eval item would be trained on."""
    raise UserError(
        f"'{where}.{a}' and '{where}.{b}' are {what}: every eval item would be trained on, "
        "and the score would measure memorisation",
        "give a separate eval source, or one source alone (`file:`, or a hub source without "
        "eval_split) to have it divided into train and eval (eval_size, split_seed)",
    )


@dataclass(frozen=True)
class AnswerDef:
    """What the model must answer: a `field` of the row or a `template` over it, and its kind.

    classification: `labels` (the words the model answers) and, for labels stored as numbers or
    codes, `label_words` (value -> word). multiple_choice: `options` names the field holding the
    list of options; they are shown lettered (A., B., ...) as `{{ options_block }}` in the prompt,
    and the answer value (an index from 0, a letter, or the option's text) becomes its letter.
    number: compared numerically. text: one line (unless `multiline`), exact match by default.
    code: the first fenced block of the output (else all of it), CodeBLEU by default.
    """

    kind: str
    field: str | None = None
    template: str | None = None
    labels: tuple[str, ...] = ()
    label_words: dict[object, object] = default(default_factory=dict)  # YAML keys: 0, 'a', ...
    options: str | None = None
    multiline: bool = False

    def check(self, where: str) -> None:
        kind_of(self, where)
        if bool(self.field) == bool(self.template):
            raise UserError(
                f"'{where}' must have exactly one of 'field' (a column of the data) or "
                "'template' (text over the columns)",
                "e.g. answer: {kind: classification, field: label, labels: [yes, no]}",
            )
        if self.kind == "classification" and not (self.labels or self.label_words):
            raise UserError(
                f"'{where}.labels' is required for a classification answer: the words the "
                "model answers with",
                "e.g. labels: [positive, negative]; for numeric labels add label_words: "
                "{0: negative, 1: positive}",
            )
        if self.kind == "multiple_choice" and not self.options:
            raise UserError(
                f"'{where}.options' is required for a multiple_choice answer: the field that "
                "holds the list of options",
                "e.g. options: choices",
            )
        if any(isinstance(v, bool) for v in (*self.labels, *self.label_words.values())):
            raise UserError(
                f"'{where}': a label reads as true/false, not as a word (YAML turns unquoted "
                "yes/no/on/off into booleans)",
                'quote the labels: labels: ["yes", "no"], label_words: {0: "no", 1: "yes"}',
            )
        odd = [v for v in self.label_words.values() if not isinstance(v, str | int | float)]
        if odd:  # str() would make a label of "None" or "['a', 'b']"
            raise UserError(
                f"'{where}.label_words' maps a value to {odd[0]!r}, not to a word",
                "give each value one word: label_words: {0: negative, 1: positive}",
            )
        if self.kind != "classification" and (self.labels or self.label_words):
            raise UserError(f"'{where}.labels'/'label_words' only apply to classification")
        if self.kind != "multiple_choice" and self.options:
            raise UserError(f"'{where}.options' only applies to multiple_choice")

    @property
    def words(self) -> dict[str, str]:
        """label_words with string keys (YAML reads `0:` as an int) and string words."""
        return {str(k): str(v) for k, v in self.label_words.items()}

    @property
    def label_set(self) -> tuple[str, ...]:
        if self.labels:
            return tuple(str(label) for label in self.labels)
        return tuple(dict.fromkeys(self.words.values()))


@dataclass(frozen=True)
class DatasetDef:
    """One declared dataset. `prompt` and `answer.template` are Jinja2 templates over the row's
    fields, rendered in a sandbox (no attribute access to Python internals, no code)."""

    source: SourceDef
    prompt: str
    answer: AnswerDef
    description: str = ""
    system_prompt: str | None = None
    few_shot: int = 0
    metrics: tuple[str, ...] = ()  # headline first; default by answer kind
    max_new_tokens: int | None = None  # default by answer kind
    max_train_examples: int | None = None
    max_eval_examples: int | None = None

    def check(self, where: str) -> None:
        self.source.check(f"{where}.source")
        self.answer.check(f"{where}.answer")
        if self.few_shot < 0:
            raise UserError(f"'{where}.few_shot' must be 0 or more, got {self.few_shot}")
        for key in ("max_new_tokens", "max_train_examples", "max_eval_examples"):
            value = getattr(self, key)
            if value is not None and value < 1:
                raise UserError(f"'{where}.{key}' must be at least 1, got {value}")
        if not self.prompt.strip():
            raise UserError(f"'{where}.prompt' is empty", "e.g. prompt: 'Question: {{ text }}'")
