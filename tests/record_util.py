"""Complete run records for store tests, built from the checked-in records in tests/data."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from peftbench.results.record import RunConfig, read_run
from peftbench.results.store import RunWriter

V1 = Path(__file__).resolve().parent / "data" / "records" / "v1"
OK_RUN = V1 / "runs" / "tiny-llama__toy-sentiment__lora__s42__df61f14d0e"


def fill(writer: RunWriter, score: float = 1.0, spec: Any = None, **metrics: Any) -> None:
    """Write every part of a complete ok record (a real lora run's, with this score; the cell
    of `spec` when given) into the writer's folder; `metrics` become extra metric values."""
    rec = read_run(OK_RUN)
    assert rec.config and rec.metrics and rec.efficiency
    config = RunConfig.of(spec) if spec is not None else rec.config
    writer.record(replace(config, run_id=writer.run_id))
    writer.record(replace(rec.metrics, score=score, values={**rec.metrics.values, **metrics}))
    writer.record(rec.efficiency)
    writer.record(rec.provenance)
