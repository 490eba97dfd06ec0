"""One model's comparison: intervals, the best set and ranks, vs the reference, PSCP."""

from __future__ import annotations

from peftbench.scoring.comparison import compare_model
from peftbench.scoring.intervals import MeanItems

N = 200
IDS = tuple(f"q{i}" for i in range(N))


def right_on(k: int, ids: tuple[str, ...] = IDS) -> MeanItems:
    """Right on the first k items."""
    return MeanItems(ids, tuple(100.0 * (i < k) for i in range(len(ids))))


def test_best_set_reference_and_pscp() -> None:
    cells = {
        "frozen": {"t": [right_on(60)]},  # 30 %
        "lora": {"t": [right_on(120)]},  # 60 %
        "ia3": {"t": [right_on(118)]},  # 59 %: two items from lora: may be best too
        "prompt": {"t": [right_on(70)]},  # 35 %: clearly below
    }
    out = compare_model(
        "m",
        cells,
        contestants=["lora", "ia3", "prompt"],
        reference="frozen",
        pscp_factors={"pscp": {"lora": 0.5, "ia3": 1.0, "prompt": 1.0}},
    )
    lora, ia3, prompt, frozen = (out.methods[m] for m in ("lora", "ia3", "prompt", "frozen"))
    assert lora.score_best and ia3.score_best and not prompt.score_best
    assert lora.score_rank == (1, 2) and ia3.score_rank == (1, 2) and prompt.score_rank == (3, 3)
    assert frozen.score_rank is None and frozen.ranks == {}  # a reference is not ranked
    assert out.score is not None and set(out.score.ranking.best_set) == {"lora", "ia3"}
    assert out.score.check is not None and "lora" in out.score.check.beats
    assert lora.beats_reference and prompt.beats_reference  # 10 more items right, none fewer
    # vs frozen: +30 points, paired on the same items; the interval excludes 0
    assert lora.vs_reference is not None
    assert lora.vs_reference.estimate == 30.0 and lora.vs_reference.low > 20.0
    assert frozen.vs_reference is None
    # PSCP = factor x score: ia3 59 vs lora 30 -> a cost-driven gap is beyond the noise
    assert out.methods["ia3"].pscp_best["pscp"] and not lora.pscp_best["pscp"]
    # prompt 35 vs ia3 59 at equal cost: a real score gap too
    assert not prompt.pscp_best["pscp"]
    iv = lora.intervals["t"]
    assert iv is not None and iv.estimate == 60.0 and iv.low < 60.0 < iv.high
    assert lora.score_interval == iv  # one dataset: the average is the dataset
    assert lora.seeds == 1


def test_no_best_mark_when_nothing_beats_the_reference() -> None:
    """The issue's SocialIQa shape: LoRA and IA3 30.5 vs frozen 28.2 on 400 items (3-way task,
    below chance): no PEFT method beats frozen beyond the noise, so nothing is marked best."""
    ids = tuple(f"s{i}" for i in range(400))
    frozen = right_on(113, ids)  # 28.2 %
    lora = MeanItems(ids, tuple(100.0 * (i < 103 or 300 <= i < 319) for i in range(400)))
    ia3 = MeanItems(ids, tuple(100.0 * (i < 100 or 290 <= i < 312) for i in range(400)))
    cells = {"frozen": {"siqa": [frozen]}, "lora": {"siqa": [lora]}, "ia3": {"siqa": [ia3]}}
    out = compare_model(
        "m", cells, ["lora", "ia3"], "frozen", pscp_factors={"pscp": {"lora": 1.0, "ia3": 1.1}}
    )
    assert lora.value() == ia3.value() == 30.5
    verdict = out.datasets["siqa"]
    assert not verdict.winner and verdict.check is not None
    assert verdict.check.note == "no PEFT method beats frozen beyond the noise"
    assert set(verdict.ranking.best_set) == {"lora", "ia3"}  # the ranks still hold ...
    assert not any(s.best.get("siqa") for s in out.methods.values())  # ... but no mark
    assert not any(s.score_best for s in out.methods.values())
    assert not any(s.pscp_best.get("pscp") for s in out.methods.values())
    vs = out.methods["ia3"].vs_reference
    assert vs is not None and vs.low < 0.0 < vs.high


def test_pscp_gap_inside_the_score_noise_is_inside_the_best_set() -> None:
    cells = {"a": {"t": [right_on(120)]}, "b": {"t": [right_on(118)]}}
    out = compare_model("m", cells, ["a", "b"], pscp_factors={"pscp": {"a": 1.0, "b": 1.0}})
    assert out.methods["a"].pscp_best["pscp"] and out.methods["b"].pscp_best["pscp"]


def test_other_items_get_an_interval_but_no_pairing() -> None:
    other = tuple(f"x{i}" for i in range(50))
    cells = {"a": {"t": [right_on(120)]}, "b": {"t": [right_on(25, other)]}}
    out = compare_model("m", cells, ["a", "b"], reference="a")
    b = out.methods["b"]
    assert b.intervals["t"] is not None
    assert "t" not in b.ranks and b.score_rank is None
    assert b.vs_reference is None


def test_zero_of_n_has_a_wilson_interval() -> None:
    cells = {"a": {"t": [right_on(0)]}, "b": {"t": [right_on(0)]}}
    iv = compare_model("m", cells, ["a", "b"]).methods["a"].intervals["t"]
    assert iv is not None and iv.low == 0.0 and 1.5 < iv.high < 2.0  # 0 of 200: [0, 1.9]


def test_average_over_datasets_and_seeds() -> None:
    cells = {
        "a": {"t": [right_on(100), right_on(120)], "u": [right_on(40)]},
        "b": {"t": [right_on(100)]},  # partial: not ranked on the average
    }
    out = compare_model("m", cells, ["a", "b"])
    iv = out.methods["a"].score_interval
    assert iv is not None and iv.estimate == (55.0 + 20.0) / 2
    assert out.methods["b"].score_rank is None
    assert out.methods["a"].score_best and out.methods["a"].score_rank == (1, 1)
    assert out.methods["a"].seeds == 1  # u has one seed: the weakest noise model
    # same inputs, same numbers
    again = compare_model("m", cells, ["a", "b"])
    assert again.methods["a"].score_interval == iv


def test_seed_variance_widens_the_interval() -> None:
    """Two seeds 20 points apart: the seed-level t term makes the interval far wider than
    the items alone would (one seed at the mean)."""
    two = {"a": {"t": [right_on(80), right_on(120)]}}
    one = {"a": {"t": [right_on(100)]}}
    wide = compare_model("m", two, ["a"]).methods["a"].intervals["t"]
    narrow = compare_model("m", one, ["a"]).methods["a"].intervals["t"]
    assert wide is not None and narrow is not None
    assert wide.high - wide.low > 3 * (narrow.high - narrow.low)


def test_pscp_gap_made_only_by_latency_noise_is_inside_the_noise() -> None:
    """Same answers on every item; b's point L is 4 % above a's, but its paired slowdown is
    noisy (pairs spread over -10 % .. +20 %). On point factors alone the gap looks certain (the
    score replicates are identical, so every replicate difference is positive); with the
    latency's own replicates both may be best. With exact latencies it stays a real gap."""
    import numpy as np

    from peftbench.config.schema import PscpPaperSettings, PscpSeedSettings
    from peftbench.efficiency.paired import bootstrap_slowdowns
    from peftbench.scoring.pscp import factor_replicates

    cells = {"a": {"t": [right_on(120)]}, "b": {"t": [right_on(120)]}}
    rows = [
        {
            "method": m,
            "trainable_params": 100,
            "peak_train_mem_mb": 10.0,
            "latency_ms_per_token": L,
            "extra_tflops": 0.0,
        }
        for m, L in (("a", 10.0), ("b", 10.4))
    ]
    w, pw = PscpSeedSettings(), PscpPaperSettings()

    def factors(latency: dict) -> dict:
        return factor_replicates(rows, latency, {}, w, pw)["pscp"]

    point = {m: float(v[0]) for m, v in factors({}).items()}
    base = [10.0] * 24
    noisy_b = [10.0 * (0.9 + 0.3 * ((i * 7) % 24) / 23) for i in range(24)]
    slowdowns = bootstrap_slowdowns(base, noisy_b, 1000, seed=1)
    noisy = factors({"a": np.full(1000, 10.0), "b": 10.0 * (1 + slowdowns / 100)})

    def best(f: dict | None) -> set[str]:
        out = compare_model(
            "m", cells, ["a", "b"], pscp_factors={"pscp": point}, pscp_factor_replicates=f
        )
        return {m for m, s in out.methods.items() if s.pscp_best["pscp"]}

    assert best(None) == {"a"}
    assert best({"pscp": noisy}) == {"a", "b"}
    assert best({"pscp": factors({"a": np.full(1000, 10.0), "b": np.full(1000, 10.4)})}) == {"a"}
