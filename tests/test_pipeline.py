"""The one path that runs a cell: what a measured cell loads."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from peftbench.config.schema import (
    EvaluationSettings,
    MeasurementSettings,
    ModelOptions,
    RunSpec,
    StabilitySettings,
    TrainingSettings,
)
from peftbench.datasets import LoadContext
from peftbench.methods import METHODS
from peftbench.models import hub
from peftbench.pipeline import execute, load_data


def test_a_measured_cell_loads_the_base_once_for_latency_and_stability(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Training needs one load; the unmodified base that latency is paired against is the second
    and last: drift and retention run on that same copy instead of loading a third."""
    loads: list[str] = []
    real = hub.resolve

    def counting(name: str) -> Any:
        spec = real(name)
        load = spec.load

        def counted(options: dict[str, Any]) -> Any:
            loads.append(name)
            return load(options)

        return dataclasses.replace(spec, load=counted)

    monkeypatch.setattr(hub, "resolve", counting)
    spec = RunSpec(
        "tiny-llama", "lora", "toy-addition", 0, METHODS.get("lora").params({}),
        TrainingSettings(max_steps=2, batch_size=4, max_length=32, max_train_examples=8),
        EvaluationSettings(max_eval_examples=4),
        MeasurementSettings(flops=False), ModelOptions(),
        stability=StabilitySettings(text_tokens=64, tasks=(), max_examples=0),
    )  # fmt: skip
    data = load_data(spec, LoadContext(tmp_path))
    run = execute(spec, data, measure_into=tmp_path / "adapter")
    assert run.stability is not None and run.stability.drift["tokens"] > 0
    assert run.adapted is not None
    assert loads == ["tiny-llama", "tiny-llama"]
    assert run.base_copy is None  # released once measured


def _spec(method: str, dataset: str, **latency: Any) -> RunSpec:
    from peftbench.config.schema import LatencySettings

    timing = LatencySettings(
        prompt_tokens=4, new_tokens=2, warmup=0, min_pairs=1, max_pairs=2, max_seconds=0.01,
        **latency,
    )  # fmt: skip
    return RunSpec(
        "tiny-llama", method, dataset, 0, METHODS.get(method).params({}),
        TrainingSettings(max_steps=1, batch_size=4, max_length=32, max_train_examples=8),
        EvaluationSettings(max_eval_examples=4),
        MeasurementSettings(latency=timing, flops=False), ModelOptions(),
        stability=StabilitySettings(text_tokens=0, tasks=("toy-sentiment",), max_examples=4),
    )  # fmt: skip


def _measured(spec: RunSpec, root: Any, name: str) -> Any:
    data = load_data(spec, LoadContext(root / "data"))
    return execute(
        spec,
        data,
        measure_into=root / name / "adapter",
        base_answers=root / "base",
        latency_cache=root / "latency",
    )


def _count_timings(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    from peftbench.efficiency import measure

    timed: list[list[str]] = []
    real = measure.measure_paired

    def counting(forms: dict[str, Any], *args: Any, **kw: Any) -> Any:
        timed.append(list(forms))
        return real(forms, *args, **kw)

    monkeypatch.setattr(measure, "measure_paired", counting)
    return timed


def test_one_adapter_structure_is_timed_twice_per_results_folder(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first two cells of one adapter structure each time it in their own paired run (so a
    grid of two or more datasets or seeds has two independent latency runs); a third copies one
    of them and says whose; another structure (a different rank) and `reuse: false` are timed
    again."""
    timed = _count_timings(monkeypatch)
    first = _measured(_spec("lora", "toy-addition"), tmp_path, "a")
    second = _measured(_spec("lora", "toy-sentiment"), tmp_path, "b")
    assert len(timed) == 2
    assert first.adapted.latency_reused_from is None
    assert second.adapted.latency_reused_from is None
    third = _measured(dataclasses.replace(_spec("lora", "toy-addition"), seed=1), tmp_path, "c")
    assert len(timed) == 2
    source = third.adapted.latency_reused_from
    assert source in (first.spec.run_id, second.spec.run_id)
    copied = first if source == first.spec.run_id else second
    a, b = copied.adapted.to_json(), third.adapted.to_json()
    for key in ("slowdown_pct", "latency_samples_ms", "base_latency_samples_ms", "latency_pairs"):
        assert b[key] == a[key]
    # the checks that depend on the trained values are still this cell's own
    assert third.adapted.inference.inference_form_max_abs_logit_diff is not None

    other_rank = dataclasses.replace(
        _spec("lora", "toy-sentiment"), method_params=METHODS.get("lora").params({"r": 2})
    )
    assert _measured(other_rank, tmp_path, "d").adapted.latency_reused_from is None
    fresh = _measured(_spec("lora", "toy-sentiment", reuse=False), tmp_path, "e")
    assert fresh.adapted.latency_reused_from is None
    assert len(timed) == 4


def test_a_damaged_latency_entry_is_timed_again(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    timed = _count_timings(monkeypatch)
    _measured(_spec("ia3", "toy-addition"), tmp_path, "a")
    _measured(_spec("ia3", "toy-sentiment"), tmp_path, "b")
    assert len(timed) == 2
    damaged = sorted((tmp_path / "latency").iterdir())[0]
    damaged.write_text("{not json", encoding="utf-8")
    # one good run left: a third cell times its own rather than copy the damaged one
    again = _measured(dataclasses.replace(_spec("ia3", "toy-addition"), seed=1), tmp_path, "c")
    assert again.adapted.latency_reused_from is None and len(timed) == 3


def test_a_copied_latency_entry_does_not_count_as_a_second_run(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One measured run copied under another name is still one run: the second cell of the
    structure times its own (two independent runs), rather than copy the first."""
    import shutil

    timed = _count_timings(monkeypatch)
    _measured(_spec("lora", "toy-addition"), tmp_path, "a")
    (entry,) = (tmp_path / "latency").iterdir()
    shutil.copy(entry, entry.with_name(entry.name.split(".")[0] + ".0000000000.json"))
    second = _measured(dataclasses.replace(_spec("lora", "toy-addition"), seed=1), tmp_path, "b")
    assert second.adapted.latency_reused_from is None and len(timed) == 2


def test_a_fallback_deployed_form_is_not_copied_from_the_saved_adapters_timing(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A prompt-learning cell with no memory for a copy times the trained model (with its
    prompt encoder) instead of the saved adapter: another deployed form, so it is timed, not
    copied from the cells that timed the saved adapter."""
    from peftbench.efficiency import forms

    timed = _count_timings(monkeypatch)
    for seed in (0, 1):
        _measured(dataclasses.replace(_spec("ptuning", "toy-addition"), seed=seed), tmp_path, "a")

    def no_memory(model: Any) -> Any:
        raise MemoryError("no memory for a copy")

    monkeypatch.setattr(forms, "copy_model", no_memory)
    third = _measured(dataclasses.replace(_spec("ptuning", "toy-addition"), seed=2), tmp_path, "b")
    assert "no memory" in third.adapted.inference.inference_form
    assert third.adapted.latency_reused_from is None and len(timed) == 3


def test_a_latency_store_that_cannot_be_written_does_not_fail_the_cell(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The store only saves time: a file where its folder should be leaves the cell with its
    own timing, and a line saying the run was not stored."""
    (tmp_path / "latency").write_text("not a folder", encoding="utf-8")
    run = _measured(_spec("ia3", "toy-addition"), tmp_path, "a")
    assert run.adapted.latency_reused_from is None and run.adapted.to_json()["latency_pairs"] >= 1
    assert "not stored for reuse" in capsys.readouterr().out


def test_measuring_cells_run_again_get_their_own_runs_back(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both measuring cells of a two-seed grid set aside and run again: each takes back the
    run it measured, so the grid keeps two independent latency runs (copying by run id alone
    could give both the same one)."""
    timed = _count_timings(monkeypatch)
    specs = [dataclasses.replace(_spec("lora", "toy-addition"), seed=s) for s in (0, 1)]
    for spec in specs:
        _measured(spec, tmp_path, "first")
    again = [_measured(spec, tmp_path, "again").adapted.latency_reused_from for spec in specs]
    assert again == [spec.run_id for spec in specs] and len(timed) == 2


def test_a_merged_in_place_cell_copies_both_runs_from_one_cell_or_times_both(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no memory for a merged copy a cell times two paired runs (forms, then merged in
    place). Its `latency_reused_from` must name the cell both came from: a cell that could copy
    only the second (its first run's stored entries damaged) times both itself."""
    import json

    from peftbench.efficiency import forms

    def no_memory(model: Any) -> Any:
        raise MemoryError("no memory for a copy")

    monkeypatch.setattr(forms, "copy_model", no_memory)
    timed = _count_timings(monkeypatch)
    for seed in (0, 1):
        _measured(dataclasses.replace(_spec("lora", "toy-addition"), seed=seed), tmp_path, "ab")
    assert timed == [["base", "adapted"], ["base", "merged"]] * 2
    third = _measured(dataclasses.replace(_spec("lora", "toy-addition"), seed=2), tmp_path, "c")
    assert third.adapted.latency_reused_from is not None and len(timed) == 4
    assert third.adapted.merge.merged_latency_pairs is not None
    for entry in (tmp_path / "latency").iterdir():
        if json.loads(entry.read_text())["part"].startswith("forms"):
            entry.write_text("{damaged", encoding="utf-8")
            break
    fourth = _measured(dataclasses.replace(_spec("lora", "toy-addition"), seed=3), tmp_path, "d")
    assert fourth.adapted.latency_reused_from is None
    assert timed[4:] == [["base", "adapted"], ["base", "merged"]]


def test_frozen_retention_uses_the_base_answers_without_decoding_twice(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`frozen` is the base model: its general-task answers are the base answers (one decode
    when the cache is cold, none when it is warm), and retention is exactly 0."""
    from peftbench.evaluation import evaluate as evaluation

    calls: list[str] = []
    real = evaluation.evaluate

    def counting(model: Any, tok: Any, spec: Any, *args: Any, **kw: Any) -> Any:
        calls.append(spec.name)
        return real(model, tok, spec, *args, **kw)

    monkeypatch.setattr(evaluation, "evaluate", counting)
    cold = _measured(_spec("frozen", "toy-addition"), tmp_path, "a")
    assert calls.count("toy-sentiment") == 1
    assert cold.stability.retention["delta"] == 0
    calls.clear()
    _measured(_spec("frozen", "toy-addition"), tmp_path, "b")
    assert calls.count("toy-sentiment") == 0
    calls.clear()
    lora = _measured(_spec("lora", "toy-addition"), tmp_path, "c")  # base answers cached
    assert calls.count("toy-sentiment") == 1 and lora.stability.retention is not None
