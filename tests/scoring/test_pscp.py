"""PSCP arithmetic against hand-computed values."""

from __future__ import annotations

import math

import pytest

from peftbench.config.schema import PscpPaperSettings, PscpSeedSettings
from peftbench.scoring.pscp import add_pscp, pscp_paper, pscp_seed


def test_seed_form_by_hand() -> None:
    # S=80, P=1e6 of Pmax 2e6, L=12 of Lmax 24, M=300 of Mmax 600 -> 80*exp(-1.5)
    got = pscp_seed(80, 1e6, 12, 300, 2e6, 24, 600, PscpSeedSettings())
    assert got == pytest.approx(80 * math.exp(-1.5))
    weighted = pscp_seed(80, 1e6, 12, 300, 2e6, 24, 600, PscpSeedSettings(a=2, b=0, g=0.5))
    assert weighted == pytest.approx(80 * math.exp(-(2 * 0.5 + 0 + 0.5 * 0.5)))


def test_seed_form_zero_maxima_do_not_divide_by_zero() -> None:
    assert pscp_seed(50, 0, 0, 0, 0, 0, 0, PscpSeedSettings()) == 50


def test_paper_form_by_hand() -> None:
    # P = 5e8 -> (1+1)^-2 = 0.25; F = 10 -> 0.25; M = 94 GB -> 0.25
    got = pscp_paper(64, 5e8, 10, 94, PscpPaperSettings())
    assert got == pytest.approx(64 * 0.25**3)
    first_version = pscp_paper(64, 5e8, 10, 94, PscpPaperSettings(bp=1, bf=1, bm=1))
    assert first_version == pytest.approx(64 * 0.5**3)


def test_paper_form_ignores_negative_extra_flops() -> None:
    assert pscp_paper(10, 0, -1.0, 0, PscpPaperSettings()) == 10


def test_add_pscp_uses_maxima_over_rows() -> None:
    rows = [
        {
            "score": 60,
            "trainable_params": 100,
            "latency_ms_per_token": 10,
            "peak_train_mem_mb": 1024,
            "extra_tflops": 0.0,
        },
        {
            "score": 50,
            "trainable_params": 0,
            "latency_ms_per_token": 5,
            "peak_train_mem_mb": 0,
            "extra_tflops": 0.0,
        },
    ]
    add_pscp(rows, PscpSeedSettings(), PscpPaperSettings())
    assert rows[0]["pscp"] == pytest.approx(60 * math.exp(-3))
    assert rows[1]["pscp"] == pytest.approx(50 * math.exp(-0.5))
    assert rows[0]["pscp_paper"] == pytest.approx(60 * (1 + 100 / 5e8) ** -2 * (1 + 1 / 94) ** -2)


def test_retention_factor_is_off_by_default_and_penalises_forgetting_when_on() -> None:
    from peftbench.scoring.pscp import forgetting

    base = pscp_seed(80, 1e6, 12, 300, 2e6, 24, 600, PscpSeedSettings())
    assert pscp_seed(80, 1e6, 12, 300, 2e6, 24, 600, PscpSeedSettings(), 5.0, 10.0) == base
    on = pscp_seed(80, 1e6, 12, 300, 2e6, 24, 600, PscpSeedSettings(r=1.0), 5.0, 10.0)
    assert on == pytest.approx(base * math.exp(-0.5))
    paper = pscp_paper(64, 5e8, 10, 94, PscpPaperSettings(br=2.0), forgetting=10.0)
    assert paper == pytest.approx(pscp_paper(64, 5e8, 10, 94, PscpPaperSettings()) / 4)
    assert forgetting({"retention_delta": -3.5}) == 3.5
    assert forgetting({"retention_delta": 2.0}) == 0.0
    assert forgetting({}) == 0.0
