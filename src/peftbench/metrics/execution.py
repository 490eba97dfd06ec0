"""Execution accuracy (pass@1) for APPS-style problems; code only ever runs in `peftbench.sandbox`.

Item format. A gold item is the problem's tests in the APPS `input_output` schema, as a dict or
its JSON string: `{"inputs": [...], "outputs": [...]}` for stdin/stdout problems (each input and
output a string, or a list of lines), plus `"fn_name"` for call-based problems (each input a list
of positional arguments, each output the expected return value). A prediction is the generated
program (str), or None when nothing could be parsed (a failure; nothing is run). A prediction
passes only if every test passes; the metric is the share of problems passed (x100), i.e. pass@1
with one greedy sample per problem.

Judging follows the APPS harness where it is sound: stdin problems run once per test as a fresh
process; outputs match if their lines match after trailing whitespace is dropped, or their
whitespace-separated tokens match, with a float tolerance (rel 1e-5, abs 1e-8, as APPS's
`np.allclose`) only for tokens that are not both integers (APPS would accept 100000 for 100001).
Call-based problems run all tests in one process; return values are compared after a JSON round
trip (tuples become lists), and an expected `[x]` also accepts `x` (APPS wraps outputs in lists).
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from peftbench.json_types import JSONValue
from peftbench.metrics.base import Metric, mean_metric, register
from peftbench.sandbox import run_code


@dataclass(frozen=True)
class TestOutcome:
    passed: bool
    n_tests: int
    n_run: int  # tests run before the first failure (all of them when passed)
    reason: str  # "" when passed, else why the first failing test failed


@dataclass(frozen=True)
class AppsTests:
    """A problem's tests (the APPS `input_output` record): `fn_name` None for stdin problems."""

    inputs: list[JSONValue]
    outputs: list[JSONValue]
    fn_name: str | None


def parse_tests(gold: object) -> AppsTests:
    """The APPS `input_output` record, validated."""
    tests: object = json.loads(gold) if isinstance(gold, str) else gold
    if not isinstance(tests, dict) or "inputs" not in tests or "outputs" not in tests:
        raise ValueError("an APPS gold item needs 'inputs' and 'outputs' (the input_output JSON)")
    inputs, outputs = tests["inputs"], tests["outputs"]
    if not isinstance(inputs, list) or not isinstance(outputs, list):
        raise ValueError("an APPS gold item's 'inputs' and 'outputs' are lists")
    if len(inputs) != len(outputs) or not inputs:
        raise ValueError("an APPS gold item needs as many inputs as outputs, and at least one")
    fn_name = tests.get("fn_name")
    return AppsTests(inputs, outputs, str(fn_name) if fn_name else None)


def run_apps_tests(
    code: str | None, gold: object, *, timeout_s: float = 4.0, memory_mb: int = 1024
) -> TestOutcome:
    """Run `code` against the problem's tests in the sandbox (`timeout_s` per test)."""
    tests = parse_tests(gold)
    n = len(tests.inputs)
    if code is None:
        return TestOutcome(False, n, 0, "no code (unparseable output)")
    if tests.fn_name:
        return _run_call_based(code, tests, timeout_s, memory_mb)
    for i, (inp, expected) in enumerate(zip(tests.inputs, tests.outputs, strict=True)):
        result = run_code(code, stdin=_text(inp), timeout_s=timeout_s, memory_mb=memory_mb)
        if result.timed_out:
            return TestOutcome(False, n, i, f"test {i}: time limit")
        if not result.ok:
            return TestOutcome(
                False, n, i, f"test {i}: exit {result.returncode}: {_last_line(result.stderr)}"
            )
        if not outputs_match(result.stdout, _text(expected)):
            return TestOutcome(False, n, i, f"test {i}: wrong answer")
    return TestOutcome(True, n, n, "")


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def _text(value: object) -> str:
    return "\n".join(map(str, value)) if isinstance(value, list) else str(value)


_INT = re.compile(r"[+-]?\d+")


def outputs_match(got: str, expected: str) -> bool:
    """Lenient stdout comparison (see the module docstring)."""

    def lines(text: str) -> list[str]:
        return [line.rstrip() for line in text.strip().splitlines()]

    if lines(got) == lines(expected):
        return True
    g, e = got.split(), expected.split()
    if len(g) != len(e):
        return False
    return all(a == b or _close(a, b) for a, b in zip(g, e, strict=True))


def _close(a: str, b: str) -> bool:
    if _INT.fullmatch(a) and _INT.fullmatch(b):
        return False  # integers must match exactly
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return math.isfinite(x) and math.isfinite(y) and abs(x - y) <= 1e-8 + 1e-5 * abs(y)


# Runs in the sandbox after nothing else: executes the solution as a module (not `__main__`, as
# APPS does, so a `__main__` block reading stdin does not run), calls the function per test, and
# prints the JSON results after a random marker so that the solution's own prints cannot be
# mistaken for them.
_DRIVER = """
import json as _json
_ns = {"__name__": "solution"}
exec(compile(_SOURCE, "solution.py", "exec"), _ns)
if _FN in _ns and callable(_ns[_FN]):
    _f = _ns[_FN]
elif "Solution" in _ns:
    _f = getattr(_ns["Solution"](), _FN)
else:
    raise NameError("no function " + _FN + " (nor a class Solution with it)")
_results = []
for _args in _json.loads(_INPUTS):
    try:
        _out = _f(*_args)
    except Exception as _exc:
        _results.append(["error", type(_exc).__name__ + ": " + str(_exc)[:200]])
        break
    try:
        _results.append(["ok", _json.loads(_json.dumps(_out))])
    except (TypeError, ValueError):
        _results.append(["unserializable", repr(_out)[:200]])
        break
print("\\n" + _MARKER + _json.dumps(_results))
"""


def _run_call_based(code: str, tests: AppsTests, timeout_s: float, mem: int) -> TestOutcome:
    n = len(tests.inputs)
    marker = f"@@peftbench-results-{secrets.token_hex(8)}@@"
    program = (
        f"_SOURCE = {code!r}\n_FN = {tests.fn_name!r}\n"
        f"_INPUTS = {json.dumps(tests.inputs)!r}\n_MARKER = {marker!r}\n{_DRIVER}"
    )
    result = run_code(program, timeout_s=min(timeout_s * n, 60.0), memory_mb=mem)
    if result.timed_out:
        return TestOutcome(False, n, 0, "time limit")
    if not result.ok or marker not in result.stdout:
        return TestOutcome(False, n, 0, f"exit {result.returncode}: {_last_line(result.stderr)}")
    results = _parse_results(result.stdout.rsplit(marker, 1)[1])
    if results is None:
        return TestOutcome(False, n, 0, "malformed results (the program's output, not ours)")
    for i, expected in enumerate(tests.outputs):
        if i >= len(results) or results[i][0] != "ok":
            why = str(results[i][1])[:200] if i < len(results) else "not run"
            return TestOutcome(False, n, i, f"test {i}: {why}")
        if not _values_match(results[i][1], expected):
            return TestOutcome(False, n, i, f"test {i}: wrong answer")
    return TestOutcome(True, n, n, "")


def _parse_results(text: str) -> list[list[JSONValue]] | None:
    """The driver's results: a JSON list of [status, value] pairs. The program runs in the same
    process as the driver and can print anything after the marker and exit, so this is total:
    anything else (bad JSON, too deep, wrong shapes) is None, a failed test, never an error."""
    try:
        results = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(results, list):
        return None
    for item in results:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            return None
    return results


def _values_match(got: object, expected: object) -> bool:
    try:
        if got == expected:
            return True
        return isinstance(expected, list) and len(expected) == 1 and got == expected[0]
    except RecursionError:  # a crafted, deeply nested value: not the expected answer
        return False


def make_pass_at_1(
    timeout_s: float = 4.0, memory_mb: int = 1024, workers: int | None = None
) -> Metric:
    """pass@1 over problems; problems run `workers` at a time (default: half the CPUs), since each
    sandbox is its own process and a CPU-bound solution must not be starved into a timeout."""

    n_workers = workers or max(1, (os.cpu_count() or 2) // 2)

    def passed(predictions: Sequence[str | None], golds: Sequence[object]) -> list[float]:
        for gold in golds:
            parse_tests(gold)  # fail on bad data before running anything

        def judge(pair: tuple[str | None, object]) -> bool:
            code, gold = pair
            return run_apps_tests(code, gold, timeout_s=timeout_s, memory_mb=memory_mb).passed

        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            return [100.0 * ok for ok in pool.map(judge, zip(predictions, golds, strict=True))]

    return mean_metric(
        "pass_at_1",
        "share of problems whose generated program passes all tests, run in the sandbox (x100)",
        passed,
    )


register(make_pass_at_1())
