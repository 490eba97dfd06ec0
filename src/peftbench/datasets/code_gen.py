"""Instruction-to-Python sets of PEFT-Bench: CoNaLa (curated) and CodeAlpaca-Python.

The model writes code for a natural-language request; the score is CodeBLEU against the
reference snippet, as the paper (the code is never run: these sets have no tests). The answer is
the first fenced code block when the model writes one, else its whole output. Train on `train`,
evaluate on `test`. CoNaLa prefers the human-rewritten intent (variable names quoted) and falls
back to the original question title when there is none.
"""

from __future__ import annotations

from typing import Any

from peftbench.datasets.base import Example, register
from peftbench.datasets.hub import HubSource, hub_spec
from peftbench.datasets.verbal import code_parser

ASK = "Write the Python code for this. Answer with the code only."


def build_conala(split: str, i: int, row: dict[str, Any]) -> Example | None:
    intent = str(row.get("rewritten_intent") or row["intent"] or "").strip()
    snippet = str(row["snippet"] or "").strip("\n")
    if not intent or not snippet.strip():
        return None
    return Example(f"{split}-{i}", f"{intent}\n\n{ASK}", snippet, snippet)


def build_codealpaca(split: str, i: int, row: dict[str, Any]) -> Example | None:
    request = str(row["prompt"] or "").strip()
    code = str(row["response"] or "").strip("\n")
    if not request or not code.strip():
        return None
    return Example(f"{split}-{i}", f"{request}\n\n{ASK}", code, code)


# The curated configuration of the loading script is these two JSON-lines files at this commit.
CONALA_REVISION = "fbc749f1c537e5c3834e93b15784302e331debe2"
CONALA_FILES = {"train": "data/conala-paired-train.json", "test": "data/conala-paired-test.json"}
# No commit id of Abzu/CodeAlpacaPython appears in any public source we could search, and the hub
# was not reachable to read one; PEFT-Bench loaded main too.
CODEALPACA_UNPINNED = "no public commit id found"

_COMMON: dict[str, Any] = dict(
    group="code",
    parse=code_parser,
    metric="codebleu",
    splits=("train", "test"),
    stop_at_newline=False,
    system_prompt="You write correct, idiomatic Python 3. Answer with code only.",
)

register(
    hub_spec(
        name="conala",
        source=HubSource("neulab/conala", None, CONALA_REVISION, CONALA_FILES),
        build=build_conala,
        description="CoNaLa curated: Stack Overflow intents to Python snippets",
        max_new_tokens=128,
        notes="the curated pairs (JSON lines) of the script-based hub repo; rewritten intent, "
        "else the intent",
        **_COMMON,
    )
)
register(
    hub_spec(
        name="codealpacapy",
        source=HubSource("Abzu/CodeAlpacaPython", why_unpinned=CODEALPACA_UNPINNED),
        build=build_codealpaca,
        description="CodeAlpaca instructions with Python answers",
        max_new_tokens=256,
        **_COMMON,
    )
)
