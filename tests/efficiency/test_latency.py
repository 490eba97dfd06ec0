"""The paired latency protocol, asserted through a driven clock rather than through real times.

Forward hooks advance a fake clock by a chosen cost per forward pass, times a drift factor that
grows with the clock (a machine getting busier while it measures), times seeded noise. So the
true ratio between two models is known exactly: the paired, interleaved estimate must recover
it, while the block-by-block estimate of the old protocol (all base runs, then all adapted runs)
is pulled away by the drift. Real measurements on a tiny model check the bookkeeping (one prompt,
every form paired with the base, merged figures, the record's keys).
"""

from __future__ import annotations

import gc
import random
from typing import Any

import pytest
import torch

from peftbench.config.schema import LatencySettings, MeasurementSettings
from peftbench.efficiency.latency import (
    CpuTimer,
    CudaTimer,
    fixed_prompt,
    lockstep_generation,
    measure_paired,
    timed_generation,
    timer_for,
)
from peftbench.efficiency.measure import measure_adapted
from peftbench.efficiency.paired import (
    grid_latency,
    median_ci_ranks,
    paired_slowdown,
    reference_latency,
    unpaired_slowdown,
)
from peftbench.efficiency.params import count_parameters, save_adapter
from peftbench.errors import UserError
from peftbench.evaluation.generate import greedy_generate, greedy_steps
from peftbench.methods import METHODS, Method
from peftbench.models.base import base_model
from peftbench.models.tiny import build_tiny


class DriftingClock:
    """Seconds that pass only when a forward pass says so, slower and slower as time goes on."""

    def __init__(self, drift_per_s: float, noise: float = 0.0, seed: int = 0) -> None:
        self.now = 0.0
        self.drift_per_s = drift_per_s
        self.noise = noise
        self.rng = random.Random(seed)
        self.forwards = 0

    def charge(self, cost_ms: float) -> Any:
        def hook(*_: Any) -> None:
            self.forwards += 1
            jitter = 1.0 + self.rng.uniform(-self.noise, self.noise)
            self.now += cost_ms / 1000 * (1.0 + self.drift_per_s * self.now) * jitter

        return hook


def _models(clock: DriftingClock, costs: dict[str, float]) -> tuple[dict[str, Any], int, int]:
    forms = {}
    for name, cost in costs.items():
        loaded = build_tiny("llama")
        loaded.model.register_forward_hook(clock.charge(cost))
        forms[name] = loaded.model
    vocab = loaded.model.get_input_embeddings().weight.shape[0]
    return forms, vocab, loaded.tokenizer.pad_token_id


SETTINGS = LatencySettings(
    prompt_tokens=8, new_tokens=4, warmup=1, min_pairs=8, max_pairs=60, max_seconds=86_400
)


def test_paired_estimate_recovers_the_true_ratio_under_drift_and_block_timing_does_not() -> None:
    true_pct = 20.0  # adapted costs 1.2x the base per forward pass
    clock = DriftingClock(drift_per_s=1.0, noise=0.02)
    forms, vocab, pad = _models(clock, {"base": 10.0, "adapted": 12.0})
    timer = CpuTimer(lambda: clock.now)
    settings = LatencySettings(8, 4, warmup=1, min_pairs=30, max_pairs=30, max_seconds=86_400)

    run = measure_paired(forms, vocab, pad, settings, timer, now=lambda: clock.now)
    paired = run.slowdowns("adapted")["decode"]

    # the old protocol on the same drifting machine: all base runs, then all adapted runs
    prompt = fixed_prompt(8, vocab)
    blocks = {
        name: [timed_generation(forms[name], prompt, pad, 4, timer)[1] for _ in range(30)]
        for name in ("base", "adapted")
    }
    unpaired = unpaired_slowdown(blocks["base"], blocks["adapted"])

    assert run.pairs == 30 and len(run.samples["base"].decode) == 30
    assert paired.pct == pytest.approx(true_pct, abs=1.0)
    assert paired.ci_low_pct is not None and paired.ci_high_pct is not None
    # the drift here is extreme (+100 % per second), and a step of one form runs a few ms
    # after the other's: that leaves a bias of a few tenths of a point, next to a 0.8-point CI
    assert paired.ci_low_pct - 0.5 <= true_pct <= paired.ci_high_pct + 0.5
    assert abs(unpaired - true_pct) > 10.0  # drift, not cost
    assert not paired.ci_low_pct <= unpaired <= paired.ci_high_pct


def test_identical_models_get_a_slowdown_interval_around_zero_under_drift() -> None:
    clock = DriftingClock(drift_per_s=2.0, noise=0.02, seed=3)
    forms, vocab, pad = _models(clock, {"base": 10.0, "adapted": 10.0, "merged": 10.0})
    run = measure_paired(
        forms, vocab, pad, SETTINGS, CpuTimer(lambda: clock.now), now=lambda: clock.now
    )
    for form in ("adapted", "merged"):
        for part in ("decode", "prefill"):
            s = run.slowdowns(form)[part]
            assert s.ci_low_pct is not None and s.ci_high_pct is not None
            assert s.ci_low_pct <= 0.0 <= s.ci_high_pct and abs(s.pct) < 3.0


def test_warmup_is_untimed_and_pairs_stop_once_every_interval_is_tight() -> None:
    clock = DriftingClock(drift_per_s=0.0, noise=0.0)
    forms, vocab, pad = _models(clock, {"base": 10.0, "adapted": 15.0})
    run = measure_paired(
        forms, vocab, pad, SETTINGS, CpuTimer(lambda: clock.now), now=lambda: clock.now
    )
    # no noise: every ratio is exactly 1.5, so the interval is tight at the first chance
    assert run.ended_by == "target" and run.pairs == SETTINGS.min_pairs
    assert clock.forwards == 2 * (SETTINGS.warmup + 2 * run.pairs) * SETTINGS.new_tokens
    assert run.samples["base"].decode == pytest.approx([10.0] * run.pairs)
    assert run.samples["base"].prefill == pytest.approx([10.0] * run.pairs)  # 1st forward only
    decode = run.slowdowns("adapted")["decode"]
    assert decode.pct == pytest.approx(50.0) and decode.halfwidth_pp == pytest.approx(0.0)


def test_time_cap_ends_a_noisy_measurement_and_says_so() -> None:
    clock = DriftingClock(drift_per_s=0.0, noise=0.5, seed=1)
    forms, vocab, pad = _models(clock, {"base": 10.0, "adapted": 10.0})
    settings = LatencySettings(8, 4, warmup=0, min_pairs=6, max_pairs=10_000, max_seconds=2.0)
    run = measure_paired(
        forms, vocab, pad, settings, CpuTimer(lambda: clock.now), now=lambda: clock.now
    )
    assert run.ended_by == "time_cap" and run.pairs > 6
    assert 2.0 <= run.seconds < 2.0 + 4 * 4 * 0.015  # stopped within one block of the cap
    assert not run.slowdowns("adapted")["decode"].within(3.0)


def test_min_pairs_hold_even_past_the_time_cap() -> None:
    clock = DriftingClock(drift_per_s=0.0, noise=0.5, seed=1)
    forms, vocab, pad = _models(clock, {"base": 10.0, "adapted": 10.0})
    settings = LatencySettings(8, 4, warmup=0, min_pairs=6, max_pairs=100, max_seconds=0.01)
    run = measure_paired(
        forms, vocab, pad, settings, CpuTimer(lambda: clock.now), now=lambda: clock.now
    )
    assert (run.ended_by, run.pairs) == ("time_cap", 6)
    assert run.slowdowns("adapted")["decode"].halfwidth_pp is not None  # 6 pairs: an interval


def test_max_pairs_ends_the_measurement_when_no_cap_comes_first() -> None:
    clock = DriftingClock(drift_per_s=0.0, noise=0.5, seed=2)
    forms, vocab, pad = _models(clock, {"base": 10.0, "adapted": 10.0})
    settings = LatencySettings(8, 4, warmup=0, min_pairs=6, max_pairs=7, max_seconds=86_400)
    run = measure_paired(
        forms, vocab, pad, settings, CpuTimer(lambda: clock.now), now=lambda: clock.now
    )
    assert (run.ended_by, run.pairs) == ("max_pairs", 7)


def test_median_interval_ranks_are_the_binomial_order_statistics() -> None:
    # P(Bin(6, 1/2) = 0) = 1/64 <= 2.5 %, P(<= 1) = 7/64 > 2.5 %: the extremes
    assert median_ci_ranks(6) == (1, 6)
    assert median_ci_ranks(5) is None  # 1/32 > 2.5 %: no 95 % interval from 5 pairs
    # n = 10: P(<= 1) = 11/1024 <= 2.5 %, P(<= 2) = 56/1024 > 2.5 %
    assert median_ci_ranks(10) == (2, 9)
    assert median_ci_ranks(20) == (6, 15)  # P(<= 5) = 0.0207, P(<= 6) = 0.0577


def test_paired_slowdown_is_the_median_ratio_with_order_statistic_interval() -> None:
    base = [10.0] * 6
    other = [11.0, 9.0, 10.5, 10.0, 12.0, 10.2]  # ratios 1.1 .9 1.05 1.0 1.2 1.02
    s = paired_slowdown(base, other)
    assert s.pct == pytest.approx(100 * ((1.02 + 1.05) / 2 - 1))
    assert (s.ci_low_pct, s.ci_high_pct) == pytest.approx((-10.0, 20.0))
    assert s.halfwidth_pp == pytest.approx(15.0) and s.pairs == 6 and not s.within(3.0)
    assert paired_slowdown([10.0] * 3, [12.0] * 3).halfwidth_pp is None
    with pytest.raises(ValueError):
        paired_slowdown([1.0], [1.0, 2.0])


def test_grid_latency_is_the_reference_base_times_the_paired_slowdown() -> None:
    assert reference_latency([30.0, 10.0, 20.0, None]) == 20.0
    assert reference_latency([]) is None
    assert grid_latency(20.0, 10.0) == pytest.approx(22.0)
    assert grid_latency(20.0, -5.0) == pytest.approx(19.0)
    assert grid_latency(None, 5.0) is None and grid_latency(20.0, None) is None


def test_protocol_leaves_training_mode_as_it_found_it() -> None:
    forms = {"base": build_tiny("llama").model, "adapted": build_tiny("llama").model}
    seen: list[bool] = []
    for model in forms.values():
        model.register_forward_pre_hook(lambda mod, *_: seen.append(mod.training))
        model.train()
    measure_paired(forms, 100, 0, LatencySettings(8, 2, warmup=0, min_pairs=1, max_pairs=2))
    assert seen and not any(seen)  # timed in eval mode: dropout off
    assert all(model.training for model in forms.values())


def test_timer_follows_the_device() -> None:
    assert isinstance(timer_for(torch.device("cuda", 0)), CudaTimer)
    assert isinstance(timer_for(torch.device("cpu")), CpuTimer)


@pytest.mark.parametrize(
    "key", ["min_pairs", "max_pairs", "new_tokens", "prompt_tokens", "max_seconds"]
)
def test_settings_reject_protocols_that_measure_nothing(key: str) -> None:
    with pytest.raises(UserError, match=key):
        LatencySettings(**{key: 0})


def test_settings_reject_max_pairs_below_min_pairs() -> None:
    with pytest.raises(UserError, match="max_pairs"):
        LatencySettings(min_pairs=10, max_pairs=5)


M = MeasurementSettings(
    LatencySettings(16, 3, warmup=1, min_pairs=6, max_pairs=8, max_seconds=30), flops_tokens=32
)


def _adapted(method: str, tmp_path: Any, **overrides: Any) -> tuple[Any, dict, int]:
    loaded = build_tiny("llama")
    model, pad = loaded.model, loaded.tokenizer.pad_token_id
    vocab = model.get_input_embeddings().weight.shape[0]
    base_params = count_parameters(model)[1]
    spec = METHODS.get(method)
    model = spec.build(model, loaded, Method.build_params(spec.params(overrides)))
    with torch.no_grad():  # a trained-looking adapter: non-zero everywhere
        for p in model.parameters():
            if p.requires_grad:
                p.add_(0.05 * torch.randn_like(p))
    save_adapter(model, tmp_path)
    base = build_tiny("llama").model
    out = measure_adapted(model, base, base_params, vocab, pad, M, tmp_path, spec.mergeable)
    return model, out.to_json(), base_params


def test_base_and_adapter_are_paired_on_one_prompt(tmp_path: Any) -> None:
    _, out, _ = _adapted("lora", tmp_path)
    assert out["latency_prompt_sha"] == out["base_latency_prompt_sha"]
    n = out["latency_pairs"]
    assert 6 <= n <= 8 and out["latency_ended_by"] in ("target", "max_pairs")
    assert len(out["base_latency_samples_ms"]) == len(out["latency_samples_ms"]) == n
    assert len(out["merged_latency_samples_ms"]) == n  # the merged form is in the same blocks
    expected = paired_slowdown(out["base_latency_samples_ms"], out["latency_samples_ms"])
    assert out["slowdown_pct"] == pytest.approx(expected.pct)
    assert out["slowdown_ci_low_pct"] <= out["slowdown_pct"] <= out["slowdown_ci_high_pct"]
    assert out["slowdown_wide"] == (out["slowdown_halfwidth_pp"] > 3.0)
    expected = paired_slowdown(out["base_prefill_samples_ms"], out["prefill_samples_ms"])
    assert out["prefill_slowdown_pct"] == pytest.approx(expected.pct)
    assert out["latency_cpu_share"] is not None and out["latency_cpu_share"] > 0


def test_lora_merged_figures_are_for_the_same_function(tmp_path: Any) -> None:
    model, out, _ = _adapted("lora", tmp_path)
    assert out["merged"] is True and out["merge_mode"] == "merge_and_unload on a copy"
    assert out["merged_max_abs_logit_diff"] < 1e-4  # merged computes what the adapter computes
    assert out["merged_added_params"] == 0
    assert out["merged_flops"] == out["base_flops"] < out["flops"]
    assert out["merged_extra_tflops"] == 0.0
    assert any("lora_A" in n for n, _ in model.named_parameters())  # the original is untouched


def test_bitfit_merges_its_added_biases_into_the_base(tmp_path: Any) -> None:
    _, out, _ = _adapted("bitfit", tmp_path)
    assert out["merged"] is True and out["merged_max_abs_logit_diff"] < 1e-4
    assert out["merged_added_params"] == out["inference_params"] > 0  # Llama has no biases


def test_non_mergeable_method_has_no_merged_figures(tmp_path: Any) -> None:
    _, out, _ = _adapted("adapter", tmp_path)
    assert out["merged"] is False and "merged_latency_ms_per_token" not in out


def test_prompt_latency_prompt_is_fixed() -> None:
    assert fixed_prompt(6, 100) == fixed_prompt(6, 100)
    assert all(3 <= t < 100 for t in fixed_prompt(50, 100))


class JumpyClock(DriftingClock):
    """A host whose load jumps to a new random level (1x to 2x) every `window_s` seconds: the
    shared machine's 10-20 % swings within a second, exaggerated."""

    def __init__(self, window_s: float, seed: int = 0) -> None:
        super().__init__(drift_per_s=0.0, seed=seed)
        self.window_s = window_s
        self.levels: dict[int, float] = {}

    def charge(self, cost_ms: float) -> Any:
        def hook(*_: Any) -> None:
            self.forwards += 1
            window = int(self.now / self.window_s)
            level = self.levels.setdefault(window, 1.0 + self.rng.random())
            self.now += cost_ms / 1000 * level

        return hook


def test_lockstep_pairs_survive_load_that_jumps_within_a_second() -> None:
    """Load jumps every 500 ms (seeded levels); a step costs 10-12 ms, a generation 4 steps.
    Generations timed one model after the other (the unpaired figure here) see different load
    levels; lockstep steps nearly always see the same one, so the slowdown comes out right and
    tight at the minimum pairs."""
    clock = JumpyClock(window_s=0.5, seed=5)
    forms, vocab, pad = _models(clock, {"base": 10.0, "adapted": 12.0})
    settings = LatencySettings(8, 4, warmup=1, min_pairs=16, max_pairs=16, max_seconds=86_400)
    run = measure_paired(
        forms, vocab, pad, settings, CpuTimer(lambda: clock.now), now=lambda: clock.now
    )
    decode = run.slowdowns("adapted")["decode"]
    assert decode.pct == pytest.approx(20.0, abs=2.0) and decode.within(3.0)
    prompt = fixed_prompt(8, vocab)
    timer = CpuTimer(lambda: clock.now)
    alone = {
        name: [timed_generation(forms[name], prompt, pad, 4, timer)[1] for _ in range(16)]
        for name in ("base", "adapted")
    }
    assert not paired_slowdown(alone["base"], alone["adapted"]).within(3.0)


def test_lockstep_runs_the_forms_step_by_step_and_changes_no_token(tmp_path: Any) -> None:
    """Steps alternate between the forms (A B, then B A, ...), and every form's tokens equal its
    own greedy_generate output: interleaving the step generators (each in its own inference
    mode) changes nothing they compute, for an injected adapter and a prefix alike."""

    calls: list[str] = []
    forms: dict[str, Any] = {}
    for name, method in (("base", None), ("lora", "lora"), ("prefix", "prefix_tuning")):
        loaded = build_tiny("llama")
        model = loaded.model
        if method is not None:
            spec = METHODS.get(method)
            model = spec.build(model, loaded, Method.build_params(spec.params({})))
            with torch.no_grad():
                for p in model.parameters():
                    if p.requires_grad:
                        p.add_(0.5 * torch.randn_like(p))
        base_model(model).get_input_embeddings().register_forward_pre_hook(
            lambda *_, n=name: calls.append(n)
        )
        forms[name] = model.eval()
    pad = 0
    prompt = fixed_prompt(8, forms["base"].get_input_embeddings().weight.shape[0])
    expected = {n: greedy_generate(m, [prompt], pad, 5)[0] for n, m in forms.items()}
    calls.clear()
    timer = CpuTimer()
    got = lockstep_generation(forms, prompt, pad, 5, timer, ["base", "lora", "prefix"])
    assert set(got) == {"base", "lora", "prefix"}
    assert all(prefill > 0 and decode > 0 for prefill, decode in got.values())
    # step 0 in the order, step 1 reversed, ...
    fwd = ["base", "lora", "prefix"]
    assert calls == (fwd + fwd[::-1]) * 2 + fwd
    assert len({tuple(t) for t in expected.values()}) == 3  # the adapters change the output
    # and the tokens are each form's own: run the generators again, keeping them
    steps = {n: greedy_steps(m, [prompt], pad, 5) for n, m in forms.items()}
    out: dict[str, Any] = {}
    for _ in range(5):
        for n, gen in steps.items():
            try:
                next(gen)
            except StopIteration as done:
                out[n] = done.value[0]
    assert out == expected


@pytest.mark.parametrize("wanted", [1, 0])
def test_cpu_timing_runs_on_the_set_threads_without_gc_and_puts_both_back(wanted: int) -> None:
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        seen: list[int] = []
        collecting: list[bool] = []
        clock = DriftingClock(drift_per_s=0.0)
        forms, vocab, pad = _models(clock, {"base": 10.0, "adapted": 10.0})
        forms["adapted"].register_forward_hook(lambda *_: seen.append(torch.get_num_threads()))
        forms["adapted"].register_forward_hook(lambda *_: collecting.append(gc.isenabled()))
        settings = LatencySettings(8, 4, warmup=0, min_pairs=6, max_pairs=6, cpu_threads=wanted)
        run = measure_paired(
            forms, vocab, pad, settings, CpuTimer(lambda: clock.now), now=lambda: clock.now
        )
        expected = wanted or 2
        assert set(seen) == {expected} and run.threads == expected
        assert torch.get_num_threads() == 2
        # no garbage collection inside a timed block (warm-up is 0 here), and it is back after
        assert collecting and not any(collecting) and gc.isenabled()
    finally:
        torch.set_num_threads(before)
