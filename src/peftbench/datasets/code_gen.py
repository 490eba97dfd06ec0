"""Instruction-to-Python sets of PEFT-Bench: CoNaLa (curated) and CodeAlpaca-Python.

The model writes code for a natural-language request; the score is CodeBLEU against the
reference snippet, as the paper (the code is never run: these sets have no tests). The answer is
the first fenced code block when the model writes one, else its whole output. Train on `train`,
evaluate on `test`. CoNaLa prefers the human-rewritten intent (variable names quoted) and falls
back to the original question title when there is none. Sources and limits are in
`hub_datasets.toml` ([code]); this module reads the rows.
"""

from __future__ import annotations

from peftbench.datasets.base import Example, Row

ASK = "Write the Python code for this. Answer with the code only."


def build_conala(split: str, i: int, row: Row) -> Example | None:
    intent = str(row.get("rewritten_intent") or row["intent"] or "").strip()
    snippet = str(row["snippet"] or "").strip("\n")
    if not intent or not snippet.strip():
        return None
    return Example(f"{split}-{i}", f"{intent}\n\n{ASK}", snippet, snippet)


def build_codealpaca(split: str, i: int, row: Row) -> Example | None:
    request = str(row["prompt"] or "").strip()
    code = str(row["response"] or "").strip("\n")
    if not request or not code.strip():
        return None
    return Example(f"{split}-{i}", f"{request}\n\n{ASK}", code, code)
