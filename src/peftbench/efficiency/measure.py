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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from peftbench.config.schema import MeasurementSettings
from peftbench.efficiency.figures import (
    AdaptedFigures,
    FormTimings,
    FormVsBase,
    InferenceFigures,
    LatencyProtocol,
    MergeFigures,
    Slowdown,
)
from peftbench.efficiency.flops import forward_flops
from peftbench.efficiency.forms import deployed, last_logits, max_gap, merged
from peftbench.efficiency.latency import BASE, PairedRun, fixed_prompt, measure_paired, summarise
from peftbench.efficiency.latency_cache import LatencyCache
from peftbench.efficiency.paired import PairedSlowdown
from peftbench.efficiency.params import count_parameters, inference_counts

if TYPE_CHECKING:  # torch is imported by whoever measures; only its types are named here
    from torch import Tensor
    from torch.nn import Module

ADAPTED, MERGED = "adapted", "merged"
IN_PLACE = "merged in place"  # the second paired run, when the merge had to be in place


def _timings(run: PairedRun, form: str) -> FormTimings:
    """Per-form figures of this run's samples (medians of the moment, raw samples)."""
    got = run.samples[form]
    dec, pre = summarise(got.decode), summarise(got.prefill)
    return FormTimings(
        latency_ms_per_token=dec["median"],
        latency_iqr_ms=dec["iqr"],
        latency_cv=dec["cv"],
        prefill_ms=pre["median"],
        prefill_iqr_ms=pre["iqr"],
        prefill_cv=pre["cv"],
        latency_samples_ms=got.decode,
        prefill_samples_ms=got.prefill,
    )


def _slowdown(s: PairedSlowdown, max_pp: float) -> Slowdown:
    return Slowdown(s.pct, s.ci_low_pct, s.ci_high_pct, s.halfwidth_pp, not s.within(max_pp))


def _against_base(
    form: str, run: PairedRun, flops: int | None, base_flops: int | None, max_pp: float
) -> FormVsBase:
    slow = run.slowdowns(form)
    return FormVsBase(
        timings=_timings(run, form),
        slowdown=_slowdown(slow["decode"], max_pp),
        prefill_slowdown=_slowdown(slow["prefill"], max_pp),
        flops=flops,
        extra_tflops=(
            (flops - base_flops) / 1e12 if flops is not None and base_flops is not None else None
        ),
    )


def protocol(run: PairedRun, m: MeasurementSettings) -> LatencyProtocol:
    """How the latency figures were taken, and under which machine load."""
    s = m.latency
    return LatencyProtocol(
        latency_timer=run.timer,
        latency_prompt_sha=run.prompt_sha,
        base_latency_prompt_sha=run.prompt_sha,  # one prompt for every form, by construction
        latency_pairs=run.pairs,
        latency_ended_by=run.ended_by,
        latency_seconds=run.seconds,
        latency_load_avg_1min=run.load_start,
        latency_load_avg_1min_end=run.load_end,
        latency_cpu_share=run.cpu_share,
        latency_threads=run.threads,
        latency_warmup=s.warmup,
        latency_min_pairs=s.min_pairs,
        latency_max_pairs=s.max_pairs,
        latency_max_seconds=s.max_seconds,
        latency_max_halfwidth_pp=s.max_halfwidth_pp,
        latency_prompt_tokens=s.prompt_tokens,
        latency_new_tokens=max(2, s.new_tokens),
    )


@dataclass
class _Session:
    """One measurement's fixed inputs: the prompt, the trained model's logits on it, and where
    paired runs are timed (or found in the cache)."""

    m: MeasurementSettings
    vocab: int
    pad_id: int
    seed: int
    cache: LatencyCache | None
    prompt: list[int]
    trained_logits: Tensor
    reused_from: str | None = None
    copied: dict[str, PairedRun] | None = None  # part -> run copied from `reused_from`

    def plan(self, parts: list[tuple[list[str], str]]) -> None:
        """Decide once, for every part this cell times, whether all are copied from one
        measuring cell or all timed here (`LatencyCache.get`)."""
        hit = self.cache.get(parts) if self.cache is not None else None
        if hit is not None:
            self.copied, self.reused_from = hit

    def timed(self, forms: dict[str, Module], part: str) -> PairedRun:
        if self.copied is not None:
            return self.copied[part]
        run = measure_paired(forms, self.vocab, self.pad_id, self.m.latency, seed=self.seed)
        if self.cache is not None:
            self.cache.put(list(forms), part, run)
        return run

    def flops_of(self, form: Module) -> int | None:
        return forward_flops(form, self.m.flops_tokens, self.vocab) if self.m.flops else None

    def gap(self, form: Module) -> float:
        """How far `form`'s logits on the prompt are from the trained model's."""
        return max_gap(last_logits(form, self.prompt), self.trained_logits)


def measure_adapted(
    model: Module,
    base_model: Module,
    base_params: int,
    vocab: int,
    pad_id: int,
    m: MeasurementSettings,
    adapter_dir: Path,
    mergeable: bool,
    reload: Callable[[Module, Path], Module] | None = None,
    seed: int = 0,
    cache: LatencyCache | None = None,
) -> AdaptedFigures:
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
    session = _Session(m, vocab, pad_id, seed, cache, prompt, last_logits(model, prompt))
    base_flops = session.flops_of(base_model)
    with deployed(model, adapter_dir, reload) as (form, how), ExitStack() as stack:
        counts = inference_counts(model, form, base_params)
        inference = InferenceFigures(
            how, session.gap(form), counts["inference_params"], counts["train_only_params"]
        )
        forms = {BASE: base_model, ADAPTED: form}
        flops = {ADAPTED: session.flops_of(form)}
        merge, in_place = MergeFigures(merged=False), False
        if mergeable and m.latency.merged:
            try:
                folded, merge_how, is_copy = stack.enter_context(merged(model))
                added = count_parameters(folded)[1] - base_params if is_copy else None
                merge = MergeFigures(True, merge_how, added, session.gap(folded))
                flops[MERGED] = session.flops_of(folded)
                if is_copy:
                    forms[MERGED] = folded
                else:
                    in_place = True
                    stack.close()  # unmerge: the deployed form is the unmerged model
            except Exception as exc:  # a merge that fails must not fail a run that trained
                merge = replace(merge, merge_error=f"{type(exc).__name__}: {exc}")
        timed_as = f"forms: {how}"  # a fallback deployed form (no memory) is not reused as another
        parts = [(list(forms), timed_as)] + ([([BASE, MERGED], IN_PLACE)] if in_place else [])
        session.plan(parts)
        run = session.timed(forms, timed_as)
        vs = {
            f: _against_base(f, run, flops[f], base_flops, m.latency.max_halfwidth_pp)
            for f in forms
            if f != BASE
        }
        if in_place:
            with merged(model) as (folded, _, _):
                again = session.timed({BASE: base_model, MERGED: folded}, IN_PLACE)
            vs[MERGED] = _against_base(
                MERGED, again, flops[MERGED], base_flops, m.latency.max_halfwidth_pp
            )
            merge = replace(
                merge, merged_latency_pairs=again.pairs, merged_latency_ended_by=again.ended_by
            )
    return AdaptedFigures(
        inference=inference,
        merge=merge,
        protocol=protocol(run, m),
        base=_timings(run, BASE),
        adapted=vs[ADAPTED],
        merged_form=vs.get(MERGED),
        base_flops=base_flops,
        latency_reused_from=session.reused_from,
    )
