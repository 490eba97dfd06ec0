"""PSCP arithmetic against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from peftbench.config.schema import PscpPaperSettings, PscpSeedSettings
from peftbench.scoring.pscp import (
    add_pscp,
    cost_factors,
    factor_replicates,
    pscp_paper,
    pscp_seed,
)


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


def _rows() -> list[dict[str, float | str]]:
    return [
        {"method": "a", "trainable_params": 100, "latency_ms_per_token": 10.0},
        {"method": "b", "trainable_params": 50, "latency_ms_per_token": 20.0},
    ]


def test_factor_replicates_equal_the_point_factor_when_the_latency_is_exact() -> None:
    rows = [{**r, "score": 1.0, "peak_train_mem_mb": 100.0, "extra_tflops": 0.0} for r in _rows()]
    exact = {"a": np.full(5, 10.0), "b": np.full(5, 20.0)}
    got = factor_replicates(rows, exact, {}, PscpSeedSettings(), PscpPaperSettings())
    point = cost_factors(rows, PscpSeedSettings(), PscpPaperSettings())
    for form in ("pscp", "pscp_paper"):
        for m in ("a", "b"):
            assert got[form][m] == pytest.approx(np.full(5, point[form][m]))


def test_factor_replicates_take_lmax_per_replicate() -> None:
    """Hand-computed: replicate 0 has L = (10, 20), replicate 1 has L = (30, 15); a's P is the
    maximum, memory equal. Factor = exp(-P/Pmax - L/Lmax - 1)."""
    rows = [{**r, "score": 1.0, "peak_train_mem_mb": 100.0, "extra_tflops": 0.0} for r in _rows()]
    lat = {"a": np.array([10.0, 30.0]), "b": np.array([20.0, 15.0])}
    got = factor_replicates(rows, lat, {}, PscpSeedSettings(), PscpPaperSettings())["pscp"]
    assert got["a"] == pytest.approx([math.exp(-1 - 0.5 - 1), math.exp(-1 - 1 - 1)])
    assert got["b"] == pytest.approx([math.exp(-0.5 - 1 - 1), math.exp(-0.5 - 0.5 - 1)])


def test_factor_replicates_carry_forgetting_with_rmax_per_replicate() -> None:
    """R enters both forms per replicate: seed form exp(-r R/Rmax) with Rmax per replicate,
    paper form (1 + R/cr)^-br; with the retention weights at 0 nothing changes."""
    rows = [{**r, "score": 1.0, "peak_train_mem_mb": 100.0, "extra_tflops": 0.0} for r in _rows()]
    lost = {"a": np.array([2.0, 0.0]), "b": np.array([1.0, 4.0])}
    seed_w, paper_w = PscpSeedSettings(r=1.0), PscpPaperSettings(br=1.0, cr=10.0)
    got = factor_replicates(rows, {}, lost, seed_w, paper_w)
    base = factor_replicates(rows, {}, {}, seed_w, paper_w)
    assert got["pscp"]["a"] == pytest.approx(base["pscp"]["a"] * np.exp(-np.array([1.0, 0.0])))
    assert got["pscp"]["b"] == pytest.approx(base["pscp"]["b"] * np.exp(-np.array([0.5, 1.0])))
    assert got["pscp_paper"]["b"] == pytest.approx(base["pscp_paper"]["b"] / [1.1, 1.4])
    off = factor_replicates(rows, {}, lost, PscpSeedSettings(), PscpPaperSettings())
    assert off["pscp"]["a"] == pytest.approx(base["pscp"]["a"][0])


def test_factor_replicates_skip_baselines_and_keep_rows_without_replicates() -> None:
    rows = [{**r, "score": 1.0, "peak_train_mem_mb": 100.0, "extra_tflops": 0.0} for r in _rows()]
    rows.append({**rows[0], "method": "frozen", "baseline": True, "latency_ms_per_token": 99.0})
    lat = {"a": np.array([10.0, 40.0])}
    got = factor_replicates(rows, lat, {}, PscpSeedSettings(), PscpPaperSettings())["pscp"]
    assert set(got) == {"a", "b"}  # the baseline's 99 ms does not enter Lmax either
    assert got["b"] == pytest.approx([math.exp(-0.5 - 1 - 1), math.exp(-0.5 - 0.5 - 1)])
