"""`compare` refuses a tolerance that would switch the gate off (issue 14 §3)."""

from __future__ import annotations

import pytest
from record_util import V1

from peftbench.cli import main
from peftbench.errors import UserError
from peftbench.reports.compare import compare


@pytest.mark.parametrize("tolerance", ["nan", "inf", "-inf", "-1", "-0.5", "abc"])
def test_cli_refuses_a_tolerance_that_is_not_finite_and_non_negative(
    tolerance: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["compare", str(V1), str(V1), f"--tolerance={tolerance}"])
    assert stop.value.code == 2
    assert "--tolerance" in capsys.readouterr().err


@pytest.mark.parametrize("tolerance", [float("nan"), float("inf"), -1.0])
def test_the_api_refuses_it_too(tolerance: float) -> None:
    with pytest.raises(UserError, match="tolerance must be a finite number >= 0"):
        compare(V1, V1, tolerance=tolerance)


def test_a_valid_tolerance_compares(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(V1), str(V1), "--tolerance", "0.5"]) == 0
    assert "PASS" in capsys.readouterr().out
