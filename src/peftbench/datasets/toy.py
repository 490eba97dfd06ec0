"""Two toy tasks generated in code, for tests and smoke runs on tiny models (no download).

Train and eval items are disjoint: every distinct item is generated once, shuffled with a fixed
seed and cut, so an eval score never measures recall of a training item.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from typing import TypeVar

from peftbench.datasets.arithmetic import parse_integer
from peftbench.datasets.base import DatasetSpec, Example, LoadContext, label_parser, register

T = TypeVar("T")
_POS = ["good", "great", "nice", "fine", "happy", "sunny", "kind", "warm", "bright", "calm"]
_NEG = ["bad", "awful", "sad", "grim", "ugly", "rainy", "cruel", "cold", "dark", "harsh"]


def _check(split: str) -> None:
    if split not in ("train", "eval"):
        raise ValueError(f"unknown split '{split}' (expected 'train' or 'eval')")


def _pool(items: Sequence[T], split: str, train_size: int, eval_size: int) -> list[T]:
    """A fixed shuffle of every distinct item, cut once: train and eval never share an item."""
    order = list(items)
    random.Random(0).shuffle(order)
    return order[:train_size] if split == "train" else order[train_size : train_size + eval_size]


def load_sentiment(split: str, ctx: LoadContext) -> list[Example]:
    """64 items per split, alternating labels; each ordered word pair is in one split only."""
    _check(split)
    pos = _pool(list(itertools.permutations(_POS, 2)), split, 32, 32)
    neg = _pool(list(itertools.permutations(_NEG, 2)), split, 32, 32)
    out = []
    for i in range(64):
        label = "pos" if i % 2 == 0 else "neg"
        words = (pos if label == "pos" else neg)[i // 2]
        out.append(Example(f"{split}-{i}", f"mood? {' '.join(words)}", label, label))
    return out


def load_addition(split: str, ctx: LoadContext) -> list[Example]:
    """The 100 single-digit sums a+b, shuffled once: 64 for training, the other 36 for eval."""
    _check(split)
    sums = _pool(list(itertools.product(range(10), repeat=2)), split, 64, 36)
    return [
        Example(f"{split}-{i}", f"{a}+{b}=", str(a + b), str(a + b))
        for i, (a, b) in enumerate(sums)
    ]


register(
    DatasetSpec(
        name="toy-sentiment",
        group="classification",
        description="toy two-word mood classification (pos/neg), generated in code",
        source="generated in code",
        load=load_sentiment,
        parse=label_parser(("pos", "neg")),
        metric="accuracy",
        max_new_tokens=4,
        labels=("pos", "neg"),
    )
)
register(
    DatasetSpec(
        name="toy-addition",
        group="generative",
        description="toy single-digit addition, exact match, generated in code",
        source="generated in code",
        load=load_addition,
        parse=parse_integer,
        metric="exact_match",
        max_new_tokens=3,
    )
)
