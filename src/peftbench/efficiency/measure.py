"""Inference measurements of one run: the base model, the deployed adapter and its merged form.

The pipeline calls `measure_adapted` after evaluation with the trained model and a freshly
loaded base model, in the same process. The base, the deployed form and (for methods that can
merge) the merged form are timed *paired and interleaved* (`latency.measure_paired`), so the
slowdowns compare like with like; slowdowns, their intervals and extra FLOPs are computed here
and only here.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from peftbench.config.schema import MeasurementSettings
from peftbench.efficiency.flops import forward_flops
from peftbench.efficiency.forms import deployed, last_logits, max_gap, merged
from peftbench.efficiency.latency import BASE, PairedRun, fixed_prompt, measure_paired, summarise
from peftbench.efficiency.latency_cache import LatencyCache
from peftbench.efficiency.paired import PairedSlowdown
from peftbench.efficiency.params import count_parameters, inference_counts

ADAPTED, MERGED = "adapted", "merged"
PREFIX = {BASE: "base_", ADAPTED: "", MERGED: "merged_"}


def _timings(prefix: str, run: PairedRun, form: str) -> dict[str, Any]:
    """Per-form figures of this run's samples (medians of the moment, raw samples)."""
    got = run.samples[form]
    dec, pre = summarise(got.decode), summarise(got.prefill)
    return {
        prefix + "latency_ms_per_token": dec["median"],
        prefix + "latency_iqr_ms": dec["iqr"],
        prefix + "latency_cv": dec["cv"],
        prefix + "prefill_ms": pre["median"],
        prefix + "prefill_iqr_ms": pre["iqr"],
        prefix + "prefill_cv": pre["cv"],
        prefix + "latency_samples_ms": got.decode,
        prefix + "prefill_samples_ms": got.prefill,
    }


def _slowdown(key: str, s: PairedSlowdown, max_pp: float) -> dict[str, Any]:
    return {
        key: s.pct,
        key.replace("_pct", "_ci_low_pct"): s.ci_low_pct,
        key.replace("_pct", "_ci_high_pct"): s.ci_high_pct,
        key.replace("_pct", "_halfwidth_pp"): s.halfwidth_pp,
        key.replace("_pct", "_wide"): not s.within(max_pp),
    }


def _against_base(
    form: str, run: PairedRun, flops: int | None, base_flops: int | None, max_pp: float
) -> dict[str, Any]:
    prefix = PREFIX[form]
    slow = run.slowdowns(form)
    return {
        **_timings(prefix, run, form),
        **_slowdown(prefix + "slowdown_pct", slow["decode"], max_pp),
        **_slowdown(prefix + "prefill_slowdown_pct", slow["prefill"], max_pp),
        prefix + "flops": flops,
        prefix + "extra_tflops": (
            (flops - base_flops) / 1e12 if flops is not None and base_flops is not None else None
        ),
    }


def protocol(run: PairedRun, m: MeasurementSettings) -> dict[str, Any]:
    """How the latency figures were taken, and under which machine load."""
    s = m.latency
    return {
        "latency_timer": run.timer,
        "latency_prompt_sha": run.prompt_sha,
        "base_latency_prompt_sha": run.prompt_sha,  # one prompt for every form, by construction
        "latency_pairs": run.pairs,
        "latency_ended_by": run.ended_by,
        "latency_seconds": run.seconds,
        "latency_load_avg_1min": run.load_start,
        "latency_load_avg_1min_end": run.load_end,
        "latency_cpu_share": run.cpu_share,
        "latency_threads": run.threads,
        "latency_warmup": s.warmup,
        "latency_min_pairs": s.min_pairs,
        "latency_max_pairs": s.max_pairs,
        "latency_max_seconds": s.max_seconds,
        "latency_max_halfwidth_pp": s.max_halfwidth_pp,
        "latency_prompt_tokens": s.prompt_tokens,
        "latency_new_tokens": max(2, s.new_tokens),
    }


def measure_adapted(
    model: Any,
    base_model: Any,
    base_params: int,
    vocab: int,
    pad_id: int,
    m: MeasurementSettings,
    adapter_dir: Path,
    mergeable: bool,
    reload: Callable[[Any, Path], Any] | None = None,
    seed: int = 0,
    cache: LatencyCache | None = None,
) -> dict[str, Any]:
    """Paired latency and FLOPs of the deployed adapter (and merged form) against `base_model`.

    `base_model` is an unmodified copy of the base model on the same device (the pipeline loads
    it fresh). `reload(base_copy, adapter_dir)` loads a saved adapter (the method's own loader);
    it is used for prompt-learning methods, whose deployed form differs from the trained model.
    Base, deployed and merged forms are timed in one paired run; only when the merge had to be
    done in place (no memory for a copy) is the merged form timed in a second paired run.
    With `cache`, a paired run of the same structure measured earlier in the results folder is
    used instead of timing again (`efficiency.latency_cache`), and `latency_reused_from` says
    which run measured it.
    """
    prompt = fixed_prompt(m.latency.prompt_tokens, vocab)
    trained_logits = last_logits(model, prompt)
    base_flops = forward_flops(base_model, m.flops_tokens, vocab) if m.flops else None
    max_pp = m.latency.max_halfwidth_pp
    out: dict[str, Any] = {"merged": False, "base_flops": base_flops}

    def timed(forms: dict[str, Any], part: str) -> PairedRun:
        hit = cache.get(list(forms), part) if cache is not None else None
        if hit is not None:
            out["latency_reused_from"] = hit[1]
            return hit[0]
        run = measure_paired(forms, vocab, pad_id, m.latency, seed=seed)
        if cache is not None:
            cache.put(list(forms), part, run)
        return run

    def flops_of(form: Any) -> int | None:
        return forward_flops(form, m.flops_tokens, vocab) if m.flops else None

    def merge_info(folded: Any, how: str, is_copy: bool) -> dict[str, Any]:
        return {
            "merged": True,
            "merge_mode": how,
            # parameters the merged model has beyond the base (BitFit's added biases); unknown
            # when merged in place, where the adapter tensors still exist
            "merged_added_params": count_parameters(folded)[1] - base_params if is_copy else None,
            "merged_max_abs_logit_diff": max_gap(last_logits(folded, prompt), trained_logits),
        }

    with deployed(model, adapter_dir, reload) as (form, how), ExitStack() as stack:
        out.update(
            inference_form=how,
            inference_form_max_abs_logit_diff=max_gap(last_logits(form, prompt), trained_logits),
            **inference_counts(model, form, base_params),
        )
        forms = {BASE: base_model, ADAPTED: form}
        flops = {ADAPTED: flops_of(form)}
        in_place = False
        if mergeable and m.latency.merged:
            try:
                folded, merge_how, is_copy = stack.enter_context(merged(model))
                out.update(merge_info(folded, merge_how, is_copy))
                flops[MERGED] = flops_of(folded)
                if is_copy:
                    forms[MERGED] = folded
                else:
                    in_place = True
                    stack.close()  # unmerge: the deployed form is the unmerged model
            except Exception as exc:  # a merge that fails must not fail a run that trained
                out["merge_error"] = f"{type(exc).__name__}: {exc}"
        run = timed(forms, "forms")
        out.update(protocol(run, m))
        out.update(_timings(PREFIX[BASE], run, BASE))
        for name in forms:
            if name != BASE:
                out.update(_against_base(name, run, flops[name], base_flops, max_pp))
        if in_place:
            with merged(model) as (folded, _, _):
                again = timed({BASE: base_model, MERGED: folded}, "merged in place")
            out.update(_against_base(MERGED, again, flops[MERGED], base_flops, max_pp))
            out["merged_latency_pairs"] = again.pairs
            out["merged_latency_ended_by"] = again.ended_by
    return out
