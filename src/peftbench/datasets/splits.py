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
from typing import Any

from peftbench.results.atomic import write_jsonl

SPLIT_SEED = 20251126


def dedupe(rows: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], str]) -> list[dict]:
    seen: set[str] = set()
    out = []
    for row in rows:
        k = key(row).strip().lower()
        if k not in seen:
            seen.add(k)
            out.append(row)
    return out


def holdout_split(rows: Sequence[dict], split: str, eval_size: int) -> list[dict]:
    """`eval` gets `eval_size` rows of a seeded shuffle, `train` the rest."""
    order = list(rows)
    random.Random(SPLIT_SEED).shuffle(order)
    if split == "eval":
        return order[:eval_size]
    if split == "train":
        return order[eval_size:]
    raise ValueError(f"unknown split '{split}' (expected 'train' or 'eval')")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def cached_jsonl(path: Path, build: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Rows from `path`, built once by `build` and written atomically."""
    if not path.exists():
        rows = build()
        path.parent.mkdir(parents=True, exist_ok=True)
        write_jsonl(path, rows)
    return read_jsonl(path)
