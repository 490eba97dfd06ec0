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
    assert run.stability is not None and run.stability["drift"]["tokens"] > 0
    assert run.adapted is not None
    assert loads == ["tiny-llama", "tiny-llama"]
    assert run.base_copy is None  # released once measured
