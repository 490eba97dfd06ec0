"""APPS competitive programming (codeparrot/apps, all difficulties; train -> test).

One example per problem (the original made one per reference solution, so problems with many
solutions dominated training). The prompt keeps the problem's starter code (the original dropped
it, yet call-based problems must define the function it names) and says whether the program reads
standard input or defines a function, as the APPS paper's prompts do. Training targets the first
reference solution.

Scores: CodeBLEU against up to `MAX_REFERENCES` reference solutions (as the paper) and execution
pass@1, which runs the generated program against the problem's tests in the sandbox
(`peftbench.sandbox`; never in the benchmark's process). The gold item holds both: the APPS
`input_output` tests plus `references`. Evaluation problems without tests or without a
reference solution cannot be scored and are left out; training problems need a solution.
The source and limits are in `hub_datasets.toml` ([code.apps]); this module reads the rows.
"""

from __future__ import annotations

from peftbench.datasets.base import Example, Row
from peftbench.datasets.hub import mapping, seq

SPLITS = ("train", "test")  # as `splits` of [code.apps] in hub_datasets.toml
MAX_REFERENCES = 5  # CodeBLEU cost grows with references; some problems have over 100


def _blank(value: object) -> bool:
    """An empty field: null, or blank JSON text."""
    return value is None or (isinstance(value, str) and not value.strip())


def apps_prompt(question: str, starter_code: str, fn_name: str | None) -> str:
    parts = [question.strip()]
    if starter_code.strip():
        parts.append(f"Starter code:\n```python\n{starter_code.rstrip()}\n```")
    if fn_name:
        parts.append(
            f"Use Call-Based format: complete the function `{fn_name}` (a method of class "
            "`Solution` if the starter code has one); it is called with the test arguments and "
            "must return the answer, not print it."
        )
    else:
        parts.append("Use Standard Input format: read the input from stdin and print the answer.")
    parts.append("Answer with a complete Python 3 program only.")
    return "\n\n".join(parts)


def build_apps(split: str, i: int, row: Row) -> Example | None:
    listed = [] if _blank(row["solutions"]) else seq(row["solutions"])
    solutions = [str(s) for s in listed if str(s).strip()]
    tests = {} if _blank(row["input_output"]) else mapping(row["input_output"])
    fn_name = str(tests.get("fn_name") or "") or None
    if not solutions:
        return None
    evaluated = split == SPLITS[1]
    if evaluated and not tests.get("inputs"):
        return None
    prompt = apps_prompt(str(row["question"]), str(row.get("starter_code") or ""), fn_name)
    references: dict[str, object] = {"references": solutions[:MAX_REFERENCES]}
    gold = {**tests, **references} if evaluated else references  # tests can be megabytes
    return Example(f"{split}-{row.get('problem_id', row.get('id', i))}", prompt, solutions[0], gold)
