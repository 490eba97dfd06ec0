"""Two toy tasks generated in code, for tests and smoke runs on tiny models (no download)."""

from __future__ import annotations

import random

from peftbench.datasets.arithmetic import parse_integer
from peftbench.datasets.base import DatasetSpec, Example, LoadContext, label_parser, register

_POS = ["good", "great", "nice", "fine", "happy", "sunny"]
_NEG = ["bad", "awful", "sad", "grim", "ugly", "rainy"]
_SEEDS = {"train": 1, "eval": 2}


def _rng(split: str) -> random.Random:
    if split not in _SEEDS:
        raise ValueError(f"unknown split '{split}' (expected 'train' or 'eval')")
    return random.Random(_SEEDS[split])


def load_sentiment(split: str, ctx: LoadContext) -> list[Example]:
    rng = _rng(split)
    out = []
    for i in range(64):
        label = "pos" if i % 2 == 0 else "neg"
        words = rng.sample(_POS if label == "pos" else _NEG, 2)
        out.append(Example(f"{split}-{i}", f"mood? {' '.join(words)}", label, label))
    return out


def load_addition(split: str, ctx: LoadContext) -> list[Example]:
    rng = _rng(split)
    out = []
    for i in range(64):
        a, b = rng.randint(0, 4), rng.randint(0, 4)
        out.append(Example(f"{split}-{i}", f"{a}+{b}=", str(a + b), str(a + b)))
    return out


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
