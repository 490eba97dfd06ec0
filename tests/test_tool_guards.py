"""Every test that needs an optional tool goes through `tests/needs.py`, so that under CI=true a
missing tool fails instead of skipping. A raw `pytest.importorskip` would skip silently in CI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from needs import in_ci, need_module

TESTS = Path(__file__).parent


def test_no_test_uses_a_raw_importorskip() -> None:
    offenders = [
        str(p.relative_to(TESTS))
        for p in sorted(TESTS.rglob("*.py"))
        if p.name not in ("needs.py", "test_tool_guards.py")
        and "importorskip(" in p.read_text(encoding="utf-8")
    ]
    assert not offenders, f"use needs.need_module instead of pytest.importorskip in {offenders}"


def test_a_missing_tool_fails_under_ci_and_skips_outside(tmp_path: Path) -> None:
    test = tmp_path / "test_x.py"
    test.write_text(
        "from needs import need_module\n\n"
        "def test_x():\n    need_module('no_such_module_xyz', 'pip install nothing')\n"
    )
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)]
    env_path = {"PYTHONPATH": str(TESTS)}
    for ci, outcome in (("true", "1 failed"), ("", "1 skipped")):
        env = {**_env(), **env_path, "CI": ci}
        proc = subprocess.run(base, cwd=tmp_path, env=env, capture_output=True, text=True)
        assert outcome in proc.stdout, proc.stdout[-1500:]


def test_in_ci_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert in_ci()
    monkeypatch.setenv("CI", "")
    assert not in_ci()
    assert need_module("json", "(standard library)").dumps([]) == "[]"


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
