"""Calibration of the statistics imported records get (accuracy and n only, items unknown):
the count's (Wilson) interval covers the true accuracy about 95 % of the time, also near 0
where the percentile bootstrap would give [0, 0], and the
unpaired best set of two methods of equal true accuracy leaves one of them out at most about
5 % of the time. Seeded simulations with known truth."""

from __future__ import annotations

import numpy as np

from peftbench.scoring.comparison import compare_model
from peftbench.scoring.intervals import CountItems

N = 400
SIMS = 200


def test_the_count_interval_covers_the_true_accuracy() -> None:
    rng = np.random.default_rng(7)
    covered = 0
    for sim in range(SIMS):
        p = 0.3 + 0.4 * rng.random()
        k = int(rng.binomial(N, p))
        sample = CountItems.of(f"run{sim}", k, N, "set")
        stats = compare_model(f"m{sim}", {"a": {"t": [sample]}}, ["a"], replicates=400)
        iv = stats.methods["a"].intervals["t"]
        assert iv is not None
        covered += iv.low <= 100 * p <= iv.high
    assert 0.90 <= covered / SIMS <= 0.99, covered / SIMS


def test_the_count_interval_covers_near_zero_and_never_has_zero_width() -> None:
    rng = np.random.default_rng(3)
    covered = 0
    for sim in range(SIMS):
        p = 0.002 + 0.008 * rng.random()  # 0.8 expected right of 400 at the low end
        k = int(rng.binomial(N, p))
        stats = compare_model(f"z{sim}", {"a": {"t": [CountItems.of("r", k, N, "set")]}}, ["a"])
        iv = stats.methods["a"].intervals["t"]
        assert iv is not None and iv.high > iv.low
        covered += iv.low <= 100 * p <= iv.high
    assert covered / SIMS >= 0.90, covered / SIMS
    zero = compare_model("z", {"a": {"t": [CountItems.of("r", 0, N, "set")]}}, ["a"])
    iv = zero.methods["a"].intervals["t"]
    assert iv is not None and iv.low == 0.0 and iv.high > 0.5  # 0 of 400: up to ~0.95 %


def test_unpaired_ties_rarely_separate_equal_methods() -> None:
    rng = np.random.default_rng(11)
    false_gaps = 0
    for sim in range(SIMS):
        cells = {
            m: {"t": [CountItems.of(f"{m}{sim}", int(rng.binomial(N, 0.5)), N, "set")]}
            for m in ("a", "b")
        }
        stats = compare_model(f"m{sim}", cells, ["a", "b"], replicates=400)
        assert all(stats.methods[m].score_rank is not None for m in ("a", "b"))
        false_gaps += not all(stats.methods[m].score_best for m in ("a", "b"))
    assert false_gaps / SIMS <= 0.08, false_gaps / SIMS


def test_a_real_gap_is_found_and_counts_never_pair_with_per_item_runs() -> None:
    a = CountItems.of("a", 300, N, "set")  # 75 %
    b = CountItems.of("b", 200, N, "set")  # 50 %
    stats = compare_model("m", {"a": {"t": [a]}, "b": {"t": [b]}}, ["a", "b"])
    assert stats.methods["a"].score_best and stats.methods["a"].score_rank == (1, 1)
    assert not stats.methods["b"].score_best
    # counts over different test sets are never compared with each other
    c = CountItems.of("c", 200, N, "other set")
    mixed = compare_model("m", {"a": {"t": [a]}, "c": {"t": [c]}}, ["a", "c"])
    assert "t" not in mixed.methods["a"].ranks or "t" not in mixed.methods["c"].ranks
    assert mixed.methods["a"].intervals["t"] is not None
    assert mixed.methods["c"].intervals["t"] is not None
