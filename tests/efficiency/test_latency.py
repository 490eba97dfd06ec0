"""The latency protocol, asserted through a driven clock rather than through real times.

A forward hook advances a fake clock by a chosen cost per forward pass, so the expected prefill
and per-token decode figures are known exactly: warm-up runs cost far more than timed ones, so a
protocol that timed them would show it. Real measurements on a tiny model check the base/adapter
bookkeeping (same prompt, slowdown from the medians) and the merged figures.
"""

from __future__ import annotations

import statistics
from typing import Any

import pytest
import torch

from peftbench.config.schema import LatencySettings, MeasurementSettings
from peftbench.efficiency.latency import (
    CpuTimer,
    CudaTimer,
    fixed_prompt,
    measure_latency,
    timer_for,
)
from peftbench.efficiency.measure import measure_adapted, measure_base
from peftbench.efficiency.params import count_parameters, save_adapter
from peftbench.errors import UserError
from peftbench.methods import METHODS, Method
from peftbench.models.tiny import build_tiny


class DrivenClock:
    """Seconds that pass only when a forward pass says so."""

    def __init__(self, settings: LatencySettings, decode_ms: list[float]) -> None:
        self.now = 0.0
        self.calls = 0
        self.settings = settings
        self.decode_ms = decode_ms  # per timed repeat

    def after_forward(self, *_: Any) -> None:
        run, step = divmod(self.calls, self.settings.new_tokens)
        self.calls += 1
        if run < self.settings.warmup:
            cost_ms = 1000.0
        else:
            cost_ms = 5.0 if step == 0 else self.decode_ms[run - self.settings.warmup]
        self.now += cost_ms / 1000


def test_protocol_excludes_warmup_counts_repeats_and_splits_prefill_from_decode() -> None:
    loaded = build_tiny("llama")
    settings = LatencySettings(prompt_tokens=8, new_tokens=4, warmup=2, repeats=3)
    clock = DrivenClock(settings, decode_ms=[2.0, 3.0, 10.0])
    loaded.model.register_forward_hook(clock.after_forward)
    vocab = loaded.model.get_input_embeddings().weight.shape[0]

    got = measure_latency(
        loaded.model, vocab, loaded.tokenizer.pad_token_id, settings, CpuTimer(lambda: clock.now)
    )

    assert clock.calls == (2 + 3) * 4  # every run generated exactly new_tokens tokens
    assert got["prefill_samples_ms"] == pytest.approx([5.0, 5.0, 5.0])  # no 1000 ms warm-up
    assert got["latency_samples_ms"] == pytest.approx([2.0, 3.0, 10.0])
    assert got["latency_ms_per_token"] == pytest.approx(3.0)  # the median, not the mean (5)
    assert got["latency_iqr_ms"] == pytest.approx(6.5 - 2.5)
    assert got["latency_cv"] == pytest.approx(statistics.stdev([2, 3, 10]) / 5)
    assert got["prefill_ms"] == pytest.approx(5.0) and got["prefill_cv"] == 0
    assert (got["latency_repeats"], got["latency_warmup"]) == (3, 2)
    assert (got["latency_prompt_tokens"], got["latency_new_tokens"]) == (8, 4)
    assert got["latency_timer"] == "perf_counter"


def test_protocol_leaves_training_mode_as_it_found_it() -> None:
    loaded = build_tiny("llama")
    seen: list[bool] = []
    loaded.model.register_forward_pre_hook(lambda mod, *_: seen.append(mod.training))
    loaded.model.train()
    measure_latency(loaded.model, 100, 0, LatencySettings(8, 2, warmup=0, repeats=1))
    assert seen and not any(seen)  # timed in eval mode: dropout off
    assert loaded.model.training


def test_timer_follows_the_device() -> None:
    assert isinstance(timer_for(torch.device("cuda", 0)), CudaTimer)
    assert isinstance(timer_for(torch.device("cpu")), CpuTimer)


@pytest.mark.parametrize("key", ["repeats", "new_tokens", "prompt_tokens"])
def test_settings_reject_protocols_that_measure_nothing(key: str) -> None:
    with pytest.raises(UserError, match=key):
        LatencySettings(**{key: 0})


def _adapted(method: str, tmp_path: Any, **overrides: Any) -> tuple[Any, dict, dict, int]:
    loaded = build_tiny("llama")
    model, pad = loaded.model, loaded.tokenizer.pad_token_id
    vocab = model.get_input_embeddings().weight.shape[0]
    m = MeasurementSettings(LatencySettings(16, 3, warmup=1, repeats=3), flops_tokens=32)
    base = measure_base(model, vocab, pad, m)
    base_params = count_parameters(model)[1]
    spec = METHODS.get(method)
    model = spec.build(model, loaded, Method.build_params(spec.params(overrides)))
    with torch.no_grad():  # a trained-looking adapter: non-zero everywhere
        for p in model.parameters():
            if p.requires_grad:
                p.add_(0.05 * torch.randn_like(p))
    save_adapter(model, tmp_path)
    out = measure_adapted(model, base, base_params, vocab, pad, m, tmp_path, spec.mergeable)
    return model, base, out, base_params


def test_base_and_adapter_share_prompt_and_slowdown_comes_from_medians(tmp_path: Any) -> None:
    _, base, out, _ = _adapted("lora", tmp_path)
    assert out["latency_prompt_sha"] == out["base_latency_prompt_sha"]
    assert len(out["base_latency_samples_ms"]) == len(out["latency_samples_ms"]) == 3
    assert out["base_latency_ms_per_token"] == base["base_latency_ms_per_token"]
    expected = 100 * (out["latency_ms_per_token"] / out["base_latency_ms_per_token"] - 1)
    assert out["slowdown_pct"] == pytest.approx(expected)
    expected = 100 * (out["prefill_ms"] / out["base_prefill_ms"] - 1)
    assert out["prefill_slowdown_pct"] == pytest.approx(expected)


def test_lora_merged_figures_are_for_the_same_function(tmp_path: Any) -> None:
    model, _, out, _ = _adapted("lora", tmp_path)
    assert out["merged"] is True and out["merge_mode"] == "merge_and_unload on a copy"
    assert out["merged_max_abs_logit_diff"] < 1e-4  # merged computes what the adapter computes
    assert out["merged_added_params"] == 0
    assert out["merged_flops"] == out["base_flops"] < out["flops"]
    assert out["merged_extra_tflops"] == 0.0
    assert len(out["merged_latency_samples_ms"]) == 3
    assert any("lora_A" in n for n, _ in model.named_parameters())  # the original is untouched


def test_bitfit_merges_its_added_biases_into_the_base(tmp_path: Any) -> None:
    _, _, out, _ = _adapted("bitfit", tmp_path)
    assert out["merged"] is True and out["merged_max_abs_logit_diff"] < 1e-4
    assert out["merged_added_params"] == out["inference_params"] > 0  # Llama has no biases


def test_non_mergeable_method_has_no_merged_figures(tmp_path: Any) -> None:
    _, _, out, _ = _adapted("adapter", tmp_path)
    assert out["merged"] is False and "merged_latency_ms_per_token" not in out


def test_prompt_latency_prompt_is_fixed() -> None:
    assert fixed_prompt(6, 100) == fixed_prompt(6, 100)
    assert all(3 <= t < 100 for t in fixed_prompt(50, 100))
