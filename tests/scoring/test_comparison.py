"""One model's comparison: intervals, ties with the best, vs the reference, PSCP ties."""

from __future__ import annotations

from peftbench.scoring.comparison import compare_model
from peftbench.scoring.intervals import MeanItems

N = 200
IDS = tuple(f"q{i}" for i in range(N))


def right_on(k: int, ids: tuple[str, ...] = IDS) -> MeanItems:
    """Right on the first k items."""
    return MeanItems(ids, tuple(100.0 * (i < k) for i in range(len(ids))))


def test_ties_reference_and_pscp() -> None:
    cells = {
        "frozen": {"t": [right_on(60)]},  # 30 %
        "lora": {"t": [right_on(120)]},  # 60 %
        "ia3": {"t": [right_on(118)]},  # 59 %: two items from lora, a tie
        "prompt": {"t": [right_on(70)]},  # 35 %: clearly below
    }
    stats = compare_model(
        "m",
        cells,
        contestants=["lora", "ia3", "prompt"],
        reference="frozen",
        pscp_factors={"pscp": {"lora": 0.5, "ia3": 1.0, "prompt": 1.0}},
    )
    lora, ia3, prompt, frozen = (stats[m] for m in ("lora", "ia3", "prompt", "frozen"))
    assert lora.score_tie is not None and lora.score_tie.is_best
    assert ia3.score_tie is not None and ia3.score_tie.tied and not ia3.score_tie.is_best
    assert prompt.score_tie is not None and not prompt.score_tie.tied
    assert frozen.score_tie is None and frozen.ties == {}  # a reference is not ranked
    # vs frozen: +30 points, paired on the same items; the interval excludes 0
    assert lora.vs_reference is not None
    assert lora.vs_reference.estimate == 30.0 and lora.vs_reference.low > 20.0
    assert frozen.vs_reference is None
    # PSCP = factor x score: ia3 59 vs lora 30 -> a cost-driven gap is no tie
    assert stats["ia3"].pscp_ties["pscp"].is_best
    assert not lora.pscp_ties["pscp"].tied
    # prompt 35 vs ia3 59 at equal cost: a real score gap is no tie either
    assert not prompt.pscp_ties["pscp"].tied
    iv = lora.intervals["t"]
    assert iv is not None and iv.estimate == 60.0 and iv.low < 60.0 < iv.high
    assert lora.score_interval == iv  # one dataset: the average is the dataset


def test_pscp_gap_inside_the_score_noise_is_a_tie() -> None:
    cells = {"a": {"t": [right_on(120)]}, "b": {"t": [right_on(118)]}}
    stats = compare_model("m", cells, ["a", "b"], pscp_factors={"pscp": {"a": 1.0, "b": 1.0}})
    assert stats["a"].pscp_ties["pscp"].is_best
    assert stats["b"].pscp_ties["pscp"].tied


def test_other_items_get_an_interval_but_no_pairing() -> None:
    other = tuple(f"x{i}" for i in range(50))
    cells = {"a": {"t": [right_on(120)]}, "b": {"t": [right_on(25, other)]}}
    stats = compare_model("m", cells, ["a", "b"], reference="a")
    assert stats["b"].intervals["t"] is not None
    assert stats["b"].ties["t"] is None and stats["b"].score_tie is None
    assert stats["b"].vs_reference is None


def test_average_over_datasets_and_seeds() -> None:
    cells = {
        "a": {"t": [right_on(100), right_on(120)], "u": [right_on(40)]},
        "b": {"t": [right_on(100)]},  # partial: not ranked on the average
    }
    stats = compare_model("m", cells, ["a", "b"])
    iv = stats["a"].score_interval
    assert iv is not None and iv.estimate == (55.0 + 20.0) / 2
    assert stats["b"].score_tie is None
    assert stats["a"].score_tie is not None and stats["a"].score_tie.is_best
    # same inputs, same numbers
    again = compare_model("m", cells, ["a", "b"])
    assert again["a"].score_interval == iv


def test_pscp_gap_made_only_by_latency_noise_is_a_tie() -> None:
    """Same answers on every item; b's point L is 4 % above a's, but its paired slowdown is
    noisy (pairs spread over -10 % .. +20 %). On point factors alone the gap looks certain (the
    score replicates are identical, so every replicate difference is positive); with the
    latency's own replicates it is a tie. With exact latencies it stays a real gap."""
    import numpy as np

    from peftbench.config.schema import PscpSeedSettings
    from peftbench.efficiency.paired import bootstrap_slowdowns
    from peftbench.scoring.pscp import seed_factor_replicates

    cells = {"a": {"t": [right_on(120)]}, "b": {"t": [right_on(120)]}}
    rows = [
        {"method": m, "trainable_params": 100, "peak_train_mem_mb": 10.0, "latency_ms_per_token": L}
        for m, L in (("a", 10.0), ("b", 10.4))
    ]
    w = PscpSeedSettings()
    point = {r["method"]: float(seed_factor_replicates(rows, {}, w)[r["method"]][0]) for r in rows}
    base = [10.0] * 24
    noisy_b = [10.0 * (0.9 + 0.3 * ((i * 7) % 24) / 23) for i in range(24)]
    slowdowns = bootstrap_slowdowns(base, noisy_b, 1000, seed=1)
    latency = {"a": np.full(1000, 10.0), "b": 10.0 * (1 + slowdowns / 100)}
    noisy = seed_factor_replicates(rows, latency, w)

    alone = compare_model("m", cells, ["a", "b"], pscp_factors={"pscp": point})
    assert alone["a"].pscp_ties["pscp"].is_best and not alone["b"].pscp_ties["pscp"].tied
    both = compare_model(
        "m", cells, ["a", "b"], pscp_factors={"pscp": point}, pscp_factor_replicates={"pscp": noisy}
    )
    assert both["a"].pscp_ties["pscp"].is_best and both["b"].pscp_ties["pscp"].tied
    exact = seed_factor_replicates(rows, {"a": np.full(1000, 10.0), "b": np.full(1000, 10.4)}, w)
    sure = compare_model(
        "m", cells, ["a", "b"], pscp_factors={"pscp": point}, pscp_factor_replicates={"pscp": exact}
    )
    assert not sure["b"].pscp_ties["pscp"].tied
