"""No number changes by accident: the same records give the same leaderboard values, intervals,
ranking, text table and report tables as tests/data/board/golden/ (first written by the
pre-board code; rewritten on purpose for leaderboard schema 2, issue 22: tests/board/
make_golden.py says what changed and how to rewrite it)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from board_util import GOLDEN, results

from peftbench.board.build import of_folder
from peftbench.board.serialise import to_json
from peftbench.reports.collect import collect
from peftbench.reports.leaderboard import render
from peftbench.reports.report import render as report
from peftbench.results.folder import read_folder

CASES = ["smoke", "tie_cells"]


def _missing_or_changed(old: Any, new: Any, path: str = "") -> list[str]:
    """Every place where `old`'s value is not in `new` (new may add fields, never change one)."""
    if isinstance(old, dict):
        if not isinstance(new, dict):
            return [f"{path}: {new!r} is not an object"]
        out = []
        for key, value in old.items():
            if key not in new:
                out.append(f"{path}/{key}: missing")
            else:
                out += _missing_or_changed(value, new[key], f"{path}/{key}")
        return out
    if isinstance(old, list):
        if not isinstance(new, list) or len(new) != len(old):
            return [f"{path}: {new!r} != {old!r}"]
        return [
            e
            for i, (a, b) in enumerate(zip(old, new, strict=True))
            for e in _missing_or_changed(a, b, f"{path}/{i}")
        ]
    return [] if old == new else [f"{path}: {new!r} != {old!r}"]


@pytest.mark.parametrize("name", CASES)
def test_board_keeps_every_old_value(name: str, tmp_path: Path) -> None:
    board = of_folder(read_folder(results(name, tmp_path)))
    new = json.loads(json.dumps(to_json(board), sort_keys=True))
    old = json.loads((GOLDEN / name / "leaderboard.json").read_text())
    assert _missing_or_changed(old, new) == []
    assert render(board) + "\n" == (GOLDEN / name / "leaderboard.txt").read_text()


@pytest.mark.parametrize("name", CASES)
def test_report_tables_unchanged(name: str, tmp_path: Path) -> None:
    data = collect(results(name, tmp_path))
    for fmt in ("md", "latex", "csv"):
        for suffix, text in report(data, fmt).items():
            old = (GOLDEN / name / f"report{suffix}").read_text()
            assert _folder_named(text) == _folder_named(old), (fmt, suffix)


def _folder_named(text: str) -> str:
    """A synthetic folder's title names its temporary path: the same name in both."""
    return re.sub(r"'/[^']*/tie_cells'", "'RESULTS'", text)


def test_the_comparison_can_fail() -> None:
    old = {"rows": [{"score": 60.0, "ci": [53.5, 67.5]}]}
    assert _missing_or_changed(old, {"rows": [{"score": 60.0, "ci": [53.5, 67.5], "x": 1}]}) == []
    assert _missing_or_changed(old, {"rows": [{"score": 60.0, "ci": [53.5, 67.4]}]})
    assert _missing_or_changed(old, {"rows": [{"ci": [53.5, 67.5]}]})
