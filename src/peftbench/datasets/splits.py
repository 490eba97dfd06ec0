"""Deterministic, disjoint train/eval splits for sources that ship a single file.

Rows are de-duplicated on their input text *before* splitting, so no eval input is ever seen in
training, then shuffled with a fixed seed: capping a split to its first N rows gives a stable
random subset.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from peftbench.json_types import JSONObject
from peftbench.results.atomic import write_jsonl

SPLIT_SEED = 20251126

T = TypeVar("T")


def dedupe(rows: Iterable[T], key: Callable[[T], str]) -> list[T]:
    seen: set[str] = set()
    out: list[T] = []
    for row in rows:
        k = key(row).strip().lower()
        if k not in seen:
            seen.add(k)
            out.append(row)
    return out


def holdout_split(rows: Sequence[T], split: str, eval_size: int) -> list[T]:
    """`eval` gets `eval_size` rows of a seeded shuffle, `train` the rest."""
    order = list(rows)
    random.Random(SPLIT_SEED).shuffle(order)
    if split == "eval":
        return order[:eval_size]
    if split == "train":
        return order[eval_size:]
    raise ValueError(f"unknown split '{split}' (expected 'train' or 'eval')")


def read_jsonl(path: Path) -> list[JSONObject]:
    """One JSON object per line (blank lines skipped)."""
    rows: list[JSONObject] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError(f"{path}: a line holds a JSON {type(row).__name__}, not an object")
            rows.append(row)
    return rows


def last_message(row: JSONObject) -> str:
    """The text of the last chat message of an `evals` registry sample (its `input` is a chat):
    the question, or the headline, these sets ask about."""
    chat = row["input"]
    message = chat[-1] if isinstance(chat, list) and chat else None
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        raise ValueError(f"a sample whose last 'input' message has no text: {row!r}"[:300])
    return content


def cached_jsonl(path: Path, build: Callable[[], list[JSONObject]]) -> list[JSONObject]:
    """Rows from `path`, built once by `build` and written atomically."""
    if not path.exists():
        rows = build()
        path.parent.mkdir(parents=True, exist_ok=True)
        write_jsonl(path, rows)
    return read_jsonl(path)
