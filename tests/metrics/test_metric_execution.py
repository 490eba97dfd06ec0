"""pass@1 over APPS-style problems (the programs run in the sandbox; see tests/test_sandbox.py)."""

from __future__ import annotations

import json

import pytest

from peftbench.metrics import METRICS
from peftbench.metrics.execution import make_pass_at_1, outputs_match, parse_tests, run_apps_tests

STDIN_TESTS = json.dumps({"inputs": ["1 2\n", "5 7\n"], "outputs": ["3\n", "12\n"]})
CALL_TESTS = {"fn_name": "square", "inputs": [[2], [3]], "outputs": [[4], [9]]}


def test_pass_at_1_counts_problems_passing_every_test() -> None:
    predictions = [
        "a, b = map(int, input().split())\nprint(a + b)\n",  # passes
        "a, b = map(int, input().split())\nprint(a + b if a == 1 else 0)\n",  # fails test 2
        None,  # unparseable: fails without running
        "def square(x):\n    return x * x\n",  # passes (call-based)
    ]
    golds = [STDIN_TESTS, STDIN_TESTS, STDIN_TESTS, CALL_TESTS]
    assert METRICS.get("pass_at_1")(predictions, golds) == pytest.approx(50.0)
    assert make_pass_at_1(workers=3)(predictions, golds) == pytest.approx(50.0)
    assert make_pass_at_1(workers=1)(predictions[:1], golds[:1]) == 100.0


def test_failures_are_explained() -> None:
    crash = run_apps_tests("raise ValueError('boom')", STDIN_TESTS, timeout_s=120)
    assert not crash.passed and "boom" in crash.reason and crash.n_run == 0
    slow = run_apps_tests(
        "def square(x):\n    while True:\n        pass\n", CALL_TESTS, timeout_s=0.25
    )
    assert not slow.passed and "time limit" in slow.reason
    missing = run_apps_tests("def cube(x):\n    return x ** 3\n", CALL_TESTS, timeout_s=120)
    assert not missing.passed and "NameError" in missing.reason


def test_call_based_prints_do_not_confuse_results_and_main_block_does_not_run() -> None:
    code = (
        "def square(x):\n    print('[[999]]')\n    return (x * x,)\n"
        "if __name__ == '__main__':\n    input()\n"
    )
    tests = {"fn_name": "square", "inputs": [[2]], "outputs": [[[4]]]}
    assert run_apps_tests(code, tests, timeout_s=120).passed  # tuple == list after JSON


@pytest.mark.parametrize(
    ("got", "expected", "same"),
    [
        ("1 2\n3\n", "1 2\n3", True),
        ("1  2 \n\n3\n\n", "1 2\n3\n", True),
        ("0.3333333\n", "0.33333333", True),
        ("100000\n", "100001\n", False),  # integers must be exact
        ("YES\n", "NO\n", False),
        ("1 2", "1 2 3", False),
    ],
)
def test_outputs_match(got: str, expected: str, same: bool) -> None:
    assert outputs_match(got, expected) is same


def test_bad_gold_is_an_error() -> None:
    with pytest.raises(ValueError):
        parse_tests({"inputs": ["1"], "outputs": []})
    with pytest.raises(ValueError):
        METRICS.get("pass_at_1")(["print(1)"], [""])
