"""Constraints: units parsed exactly, bad values refused, rows kept only within every limit."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from peftbench.scoring.constraints import Constraints, memory_mib, percent, score, split_rows

ROWS = json.loads((Path(__file__).parent / "data" / "profile_rows.json").read_text())["rows"]


def test_memory_units() -> None:
    assert memory_mib("8GB") == pytest.approx(8e9 / 2**20)
    assert memory_mib("16GiB") == 16 * 1024
    assert memory_mib("500 MB") == pytest.approx(500e6 / 2**20)
    assert percent("5%") == percent("5") == 5.0
    assert score("70") == 70.0


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        (memory_mib, "8"),
        (memory_mib, "8 bananas"),
        (memory_mib, "-1GB"),
        (memory_mib, "0GB"),
        (percent, "five"),
        (percent, "nan"),
        (score, "170"),
        (score, "-1"),
        (score, "abc"),
    ],
)
def test_bad_values_are_refused(parse, text: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(argparse.ArgumentTypeError):
        parse(text)


def test_rows_within_every_limit_are_kept_with_reasons_for_the_rest() -> None:
    limits = Constraints(max_train_mem_mib=memory_mib("12GB"), max_slowdown_pct=25.0)
    kept, dropped = split_rows(ROWS, limits)
    assert [r["method"] for r in kept] == ["lean"]  # fast: 12000 MiB > 11444; tiny: +30 %
    reasons = {r["method"]: why for r, why in dropped}
    assert reasons["fast"] == ["peak_train_mem_mb 12,000 MiB"]
    assert reasons["tiny"] == ["slowdown_pct +30.0 %"]
    assert split_rows(ROWS, Constraints(min_score=80.0))[0] == ROWS  # a limit is inclusive
    assert split_rows(ROWS, Constraints(min_score=80.1))[0] == []


def test_a_missing_figure_does_not_pass_its_limit() -> None:
    row = {"method": "x", "score": 90.0, "slowdown_pct": None}
    assert Constraints(max_slowdown_pct=5.0).failures(row) == ["slowdown_pct not measured"]
    assert Constraints(min_score=50.0).failures(row) == []
