"""A declared dataset as a `DatasetSpec`: rows -> prompt/answer `Example`s, splits, few-shot.

Rows come from local files (.jsonl/.csv/.parquet) or the HF hub (`datasets/hub.py`, which also
reads `--data-dir` copies). Before any example is built, the first rows are checked for every
field the templates and the answer use. A source with one split is divided here: rows are
de-duplicated on their rendered prompt (so no eval prompt is ever trained on), shuffled with the
declared seed, and `eval_size` go to eval; the seed and the counts are part of the dataset's
version string, which every run records. Two-split sources are shuffled with the same seed too,
so a capped run scores a random sample rather than the first rows of a sorted file.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import peftbench.datasets.declared.answers as answers
from peftbench.datasets.base import DatasetSpec, Example, LoadContext, Row
from peftbench.datasets.declared.schema import DatasetDef
from peftbench.datasets.declared.templates import check_fields, fields_used, render
from peftbench.datasets.hub import HubSource, load_rows, read_local
from peftbench.errors import UserError

ROWS_CHECKED = 5  # the first rows checked for the fields the templates use


def needed_fields(d: DatasetDef, where: str) -> set[str]:
    """Fields of the data the definition reads (not counting `options_block`, made here)."""
    a = d.answer
    used = fields_used(d.prompt, f"{where}.prompt") - {answers.OPTIONS_BLOCK}
    if d.system_prompt:
        used |= fields_used(d.system_prompt, f"{where}.system_prompt") - {answers.OPTIONS_BLOCK}
    if a.template:
        used |= fields_used(a.template, f"{where}.answer.template")
    used |= {f for f in (a.field, a.options) if f}
    return used


def check_rows(d: DatasetDef, rows: Sequence[Row], origin: str, where: str) -> None:
    """The first rows must hold every field the definition uses (exit 2 naming the field)."""
    if not rows:
        raise UserError(f"{origin} holds no rows", "check the file, or the split names")
    needed = needed_fields(d, where)
    extra = {answers.OPTIONS_BLOCK} if d.answer.kind == "multiple_choice" else set()
    for i, row in enumerate(rows[:ROWS_CHECKED]):
        have = set(map(str, row))
        check_fields(d.prompt, f"{where}.prompt", have | extra)
        if d.system_prompt:
            check_fields(d.system_prompt, f"{where}.system_prompt", have | extra, plain_ok=True)
        if d.answer.template:
            check_fields(d.answer.template, f"{where}.answer.template", have)
        for name in sorted(needed - have):
            role = "answer.options" if name == d.answer.options else "answer.field"
            raise UserError(
                f"'{where}.{role}' is '{name}', but row {i} of {origin} has no such field. "
                f"Fields in the data: {', '.join(sorted(have))}",
                "fix the field name, or check that the data file is the right one",
            )


class Declared:
    """Loads and builds the examples of one declared dataset."""

    def __init__(self, name: str, d: DatasetDef, where: str) -> None:
        self.name, self.d, self.where = name, d, where

    # -- rows ---------------------------------------------------------------------------------
    def rows(self, which: str, ctx: LoadContext) -> tuple[list[dict[str, object]], str]:
        """(rows, where they came from) of the source's `which` ('train' or 'eval') part."""
        src = self.d.source
        if src.hub:
            split = src.train_split if which == "train" else str(src.eval_split)
            hub = HubSource(src.hub, src.config, str(src.revision))
            return load_rows(self.name, hub, split, ctx), f"{hub.describe()} split '{split}'"
        path = Path(str(src.file or (src.train if which == "train" else src.eval)))
        if not path.is_file():
            raise UserError(
                f"dataset '{self.name}': the data file {path} does not exist",
                f"fix the path in '{self.where}.source' (relative paths are relative to the "
                "file that declares the dataset)",
            )
        return read_local(path), str(path)

    # -- examples -----------------------------------------------------------------------------
    def example(self, split: str, i: int, row: Mapping[str, object], origin: str) -> Example:
        a = self.d.answer
        try:
            view = answers.template_fields(a, row)
            prompt = render(self.d.prompt, view, f"{self.where}.prompt").strip()
            system = None
            if self.d.system_prompt:  # a template like `prompt` (plain text renders as itself)
                system = render(self.d.system_prompt, view, f"{self.where}.system_prompt").strip()
            answer, gold = answers.target(a, view, f"{self.where}.answer")
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise UserError(
                f"dataset '{self.name}': row {i} of {origin} does not fit the declaration: "
                f"{type(exc).__name__}: {exc}",
                f"fields in that row: {', '.join(sorted(map(str, row)))}",
            ) from exc
        return Example(id=f"{split}-{i}", prompt=prompt, answer=answer, gold=gold, system=system)

    def examples(self, which: str, ctx: LoadContext) -> list[Example]:
        rows, origin = self.rows(which, ctx)
        check_rows(self.d, rows, origin, self.where)
        return [self.example(which, i, row, origin) for i, row in enumerate(rows)]

    def split(self, split: str, ctx: LoadContext) -> list[Example]:
        """Both parts, shuffled with the declared seed; one source split divided here."""
        rng = random.Random(self.d.source.split_seed)
        if not self.d.source.splits_itself:
            out = self.examples(split, ctx)
            rng.shuffle(out)
            return out
        # ids name the row of the one source file, whichever part it lands in
        rows = [replace(ex, id=f"row-{ex.id.split('-')[-1]}") for ex in self.examples("train", ctx)]
        pool = list({(ex.system, ex.prompt): ex for ex in rows}.values())
        rng.shuffle(pool)
        n_eval = eval_count(self.d.source.eval_size, len(pool), self.name)
        return pool[:n_eval] if split == "eval" else pool[n_eval:]

    def load(self, split: str, ctx: LoadContext) -> list[Example]:
        if split not in ("train", "eval"):
            raise ValueError(f"unknown split '{split}' (expected 'train' or 'eval')")
        out = self.split(split, ctx)
        k = self.d.few_shot
        if not k:
            return out
        train = out if split == "train" else self.split("train", ctx)
        shots, rest = train[:k], train[k:]
        if len(shots) < k:
            raise UserError(
                f"dataset '{self.name}' asks for {k} few-shot examples but its train split has "
                f"{len(train)} rows",
                f"lower '{self.where}.few_shot'",
            )
        head = "\n\n".join(f"{s.prompt}\n{s.answer}" for s in shots)
        keep = rest if split == "train" else out  # shots are never also trained on
        return [replace(e, prompt=f"{head}\n\n{e.prompt}") for e in keep]


def eval_count(size: float, rows: int, name: str) -> int:
    """`size` rows (a whole number >= 1) or that share of `rows` (below 1), leaving train rows."""
    n = int(size) if size >= 1 else round(rows * size)
    if rows < 2 or not 1 <= n < rows:
        raise UserError(
            f"dataset '{name}': cannot hold out {size} of {rows} distinct rows for eval",
            "give eval_size as a share (e.g. 0.2) or a count smaller than the number of rows",
        )
    return n


def describe_source(d: DatasetDef) -> str:
    src = d.source
    if src.hub:
        where = HubSource(src.hub, src.config, str(src.revision)).describe()
        return where + (f" ({src.train_split} -> {src.eval_split})" if src.eval_split else "")
    if src.train and src.eval:
        return f"{Path(src.train).name} + {Path(src.eval).name}"
    return str(Path(str(src.file or src.train)).name)


def to_spec(name: str, d: DatasetDef, declared_in: str, fingerprint: str) -> DatasetSpec:
    """The registered form of a declared dataset (see `datasets/base.py`)."""
    where = f"dataset_defs.{name}"
    kind = answers.kind_of(d.answer, f"{where}.answer")
    metrics = d.metrics or kind.metrics
    split_note = ""
    if d.source.splits_itself:
        src = d.source
        split_note = f"; one split divided: seed {src.split_seed}, eval_size {src.eval_size}"
    return DatasetSpec(
        name=name,
        group=f"declared {kind.group}",
        description=d.description or f"declared {d.answer.kind} dataset",
        source=f"declared in {declared_in}: {describe_source(d)}",
        load=Declared(name, d, where).load,
        parse=kind.parser(d.answer),
        metric=metrics[0],
        extra_metrics=tuple(metrics[1:]),
        splits=("train", "eval"),
        max_new_tokens=d.max_new_tokens or kind.max_new_tokens,
        labels=d.answer.label_set,
        system_prompt=None,  # rendered per row into each Example's `system`
        version=f"declared-{fingerprint[:16]}" + split_note,
        stop_at_newline=answers.stops_at_newline(d.answer),
        notes=f"few-shot {d.few_shot}" if d.few_shot else "",
        max_train_examples=d.max_train_examples,
        max_eval_examples=d.max_eval_examples,
        extras={"declared_in": declared_in, "fingerprint": fingerprint},
    )
