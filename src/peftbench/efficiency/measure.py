"""Inference measurements of one run: the base model, the deployed adapter and its merged form.

The pipeline calls `measure_base` on the freshly loaded model, before the adapter exists, and
`measure_adapted` after evaluation, in the same process with the same settings and the same
prompt ids (the prompt digest is recorded for both). Slowdown and extra FLOPs are computed here
and only here, from the medians.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from peftbench.config.schema import MeasurementSettings
from peftbench.efficiency.flops import forward_flops
from peftbench.efficiency.forms import deployed, last_logits, max_gap, merged
from peftbench.efficiency.latency import fixed_prompt, measure_latency, slowdown_pct
from peftbench.efficiency.params import count_parameters, inference_counts

# Per-measurement statistics; the protocol keys (repeats, prompt length, ...) are shared.
LATENCY_STATS = (
    "latency_ms_per_token",
    "latency_iqr_ms",
    "latency_cv",
    "prefill_ms",
    "prefill_iqr_ms",
    "prefill_cv",
    "latency_samples_ms",
    "prefill_samples_ms",
    "latency_load_avg_1min",
)
PROTOCOL = (
    "latency_timer",
    "latency_repeats",
    "latency_warmup",
    "latency_prompt_tokens",
    "latency_new_tokens",
)


def measure_base(model: Any, vocab: int, pad_id: int, m: MeasurementSettings) -> dict[str, Any]:
    lat = measure_latency(model, vocab, pad_id, m.latency)
    return {
        **{f"base_{k}": lat[k] for k in LATENCY_STATS},
        "base_latency_prompt_sha": lat["latency_prompt_sha"],
        "base_flops": forward_flops(model, m.flops_tokens, vocab) if m.flops else None,
    }


def _against_base(
    prefix: str, lat: dict[str, Any], flops: int | None, base: dict[str, Any]
) -> dict[str, Any]:
    if lat["latency_prompt_sha"] != base["base_latency_prompt_sha"]:
        raise RuntimeError("base and adapted latency were measured on different prompts")
    base_flops = base["base_flops"]
    return {
        **{prefix + k: lat[k] for k in LATENCY_STATS},
        prefix + "slowdown_pct": slowdown_pct(
            lat["latency_ms_per_token"], base["base_latency_ms_per_token"]
        ),
        prefix + "prefill_slowdown_pct": slowdown_pct(lat["prefill_ms"], base["base_prefill_ms"]),
        prefix + "flops": flops,
        prefix + "extra_tflops": (
            (flops - base_flops) / 1e12 if flops is not None and base_flops is not None else None
        ),
    }


def measure_adapted(
    model: Any,
    base: dict[str, Any],
    base_params: int,
    vocab: int,
    pad_id: int,
    m: MeasurementSettings,
    adapter_dir: Path,
    mergeable: bool,
    reload: Callable[[Any, Path], Any] | None = None,
) -> dict[str, Any]:
    """Latency and FLOPs of the deployed adapter (and merged, when the method can merge).

    `reload(base_copy, adapter_dir)` loads a saved adapter (the method's own loader); it is used
    for prompt-learning methods, whose deployed form differs from the trained model.
    """
    prompt = fixed_prompt(m.latency.prompt_tokens, vocab)
    trained_logits = last_logits(model, prompt)
    with deployed(model, adapter_dir, reload) as (form, how):
        lat = measure_latency(form, vocab, pad_id, m.latency)
        flops = forward_flops(form, m.flops_tokens, vocab) if m.flops else None
        gap = max_gap(last_logits(form, prompt), trained_logits)
        counts = inference_counts(model, form, base_params)
    out: dict[str, Any] = {
        **{k: lat[k] for k in PROTOCOL},
        "latency_prompt_sha": lat["latency_prompt_sha"],
        **base,
        "inference_form": how,
        "inference_form_max_abs_logit_diff": gap,
        **counts,
        **_against_base("", lat, flops, base),
        "merged": False,
    }
    if mergeable and m.latency.merged:
        try:
            out.update(_measure_merged(model, base, base_params, vocab, pad_id, m, trained_logits))
        except Exception as exc:  # a merge that fails must not fail a run that trained
            out["merge_error"] = f"{type(exc).__name__}: {exc}"
    return out


def _measure_merged(
    model: Any,
    base: dict[str, Any],
    base_params: int,
    vocab: int,
    pad_id: int,
    m: MeasurementSettings,
    trained_logits: Any,
) -> dict[str, Any]:
    prompt = fixed_prompt(m.latency.prompt_tokens, vocab)
    with merged(model) as (folded, how, is_copy):
        lat = measure_latency(folded, vocab, pad_id, m.latency)
        flops = forward_flops(folded, m.flops_tokens, vocab) if m.flops else None
        return {
            "merged": True,
            "merge_mode": how,
            # parameters the merged model has beyond the base (BitFit's added biases); unknown
            # when merged in place, where the adapter tensors still exist
            "merged_added_params": count_parameters(folded)[1] - base_params if is_copy else None,
            "merged_max_abs_logit_diff": max_gap(last_logits(folded, prompt), trained_logits),
            **_against_base("merged_", lat, flops, base),
        }
