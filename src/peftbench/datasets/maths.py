"""PEFT-Bench's math sets: MathQA (multiple choice), GSM8K and SVAMP (numeric answers).

- MathQA: the options string ('a ) 38 , b ) 27.675 , ...') becomes lettered lines; the model
  answers the letter; accuracy. Loaded from the hub's Parquet export (the main branch is a
  loading script that `datasets` >= 4 cannot run).
- GSM8K (`main`, train -> test): trained on the reference solution (calculator annotations
  `<<48/2=24>>` removed) ending in `#### <answer>`; the prediction is the number after the last
  `####` (none: unparseable), compared numerically with the gold number.
- SVAMP (train -> test): trained to write the equation and its value, `(100 - 54) = 46`; the
  prediction is the number after the last `=`, compared with the dataset's gold answer. (The
  original counted an equation as right when it was arithmetically consistent, even if it
  solved a different problem.)

Sources and limits are in `hub_datasets.toml` ([math]); this module reads rows and parses answers.
"""

from __future__ import annotations

import ast
import re

from peftbench.datasets.base import Example, Row, first_line
from peftbench.datasets.hub import real
from peftbench.datasets.verbal import LETTERS, first_number, fmt_number, options
from peftbench.metrics.numeric import extract_gsm8k_gold

_OPTION = re.compile(r"([a-e])\s*\)\s*(.*?)\s*(?=,\s*[a-e]\s*\)|$)", re.S)


def mathqa_options(value: object) -> list[str]:
    """Option texts in order a..e, from the dataset's options string (or a list of them)."""
    if isinstance(value, str) and value.strip().startswith("["):
        value = ast.literal_eval(value.strip())
    if isinstance(value, list):
        value = " , ".join(str(v) for v in value)
    found = {m.group(1): m.group(2).strip() for m in _OPTION.finditer(str(value))}
    letters = "abcde"[: len(found)]
    if not found or set(found) != set(letters):
        raise ValueError(f"unreadable MathQA options: {value!r}")
    return [found[letter] for letter in letters]


def build_mathqa(split: str, i: int, row: Row) -> Example | None:
    texts = mathqa_options(row["options"])
    answer = "abcde".index(str(row["correct"]).strip().lower())
    letters = LETTERS[: len(texts)]
    prompt = (
        f"Problem: {str(row['Problem']).strip()}\n{options(texts, letters)}\n\n"
        f"Answer with the letter of the correct option ({', '.join(letters)})."
    )
    return Example(f"{split}-{i}", prompt, letters[answer], letters[answer])


_CALCULATOR = re.compile(r"<<[^<>]*>>")


def build_gsm8k(split: str, i: int, row: Row) -> Example | None:
    solution = _CALCULATOR.sub("", str(row["answer"])).strip()
    prompt = (
        f"{str(row['question']).strip()}\n\nSolve the problem step by step, then write the final "
        "answer on a last line as '#### <number>'."
    )
    return Example(f"{split}-{i}", prompt, solution, extract_gsm8k_gold(solution))


def parse_gsm8k(text: str) -> float | None:
    """The number after the last '####' (None when there is no '####' or no number after it)."""
    if "####" not in text:
        return None
    return first_number(text.rsplit("####", 1)[1])


def clean_equation(text: str) -> str:
    """'( 100.0 - 54.0 )' -> '(100 - 54)'."""
    text = re.sub(r"(\d+)\.0\b", r"\1", str(text).strip())
    return re.sub(r"\s+", " ", text.replace("( ", "(").replace(" )", ")"))


def build_svamp(split: str, i: int, row: Row) -> Example | None:
    gold = real(row["Answer"])
    question = f"{str(row['Body']).strip()} {str(row['Question']).strip()}".strip()
    prompt = (
        f"{question}\n\nWrite one equation that computes the answer and its value, like "
        "'(3 + 4) = 7'."
    )
    answer = f"{clean_equation(str(row['Equation']))} = {fmt_number(gold)}"
    return Example(f"{split}-{i}", prompt, answer, gold)


def parse_svamp(text: str) -> float | None:
    """The value after the last '=' on the first line (without '=': its last number)."""
    line = first_line(text)
    tail = line.rsplit("=", 1)[1] if "=" in line else line
    numbers = re.findall(r"[-+]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)", tail)
    return first_number(numbers[-1]) if numbers else None
