"""A committed run record, flattened into what experiment trackers take: parameters (the
resolved config), figures per training step, final figures, text tags.

Read only from the typed record (`results/record.py`) and the run's own files
(train_log.jsonl, predictions.jsonl for the score's interval), never from the live cell, so what a
tracker shows is exactly what the results folder holds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TypeGuard

from peftbench.json_types import JSONObject
from peftbench.results.record import RunRecord
from peftbench.results.safe_read import read_capped
from peftbench.trackers.base import Param, RunLog, Tracking

TRAIN_LOG = "train_log.jsonl"
# efficiency.json keeps every figure twice more, with its unit and device (`figures`, `units`):
# the numbers are logged once, under their own keys
_SKIP_EFFICIENCY = ("figures", "units")


def run_log(record: RunRecord, tracking: Tracking, root: Path) -> RunLog:
    """Everything a tracker logs of `record` (ok or failed)."""
    notes: list[str] = []
    params = flat_params(record.config.to_json() if record.config else {})
    finals: dict[str, float] = {}
    tags = {"peftbench.suite": tracking.suite, "peftbench.invocation": tracking.invocation}
    tags["peftbench.status"] = record.state
    if record.status is not None:
        finals.update(_numbers("time", {"wall_seconds": record.status.wall_seconds}))
        finals.update(_numbers("time.phase", record.status.phase_seconds))
        if record.status.error:
            tags["peftbench.error"] = record.status.error[:5000]
    if record.metrics is not None:
        finals.update(_metrics(record, notes))
    if record.efficiency is not None:
        eff = {k: v for k, v in record.efficiency.to_json().items() if k not in _SKIP_EFFICIENCY}
        finals.update(_numbers("efficiency", eff))
        tags.update({f"efficiency.{k}": str(v) for k, v in eff.items() if isinstance(v, str)})
    if record.stability is not None:
        finals.update(_numbers("stability", record.stability.to_json()))
    return RunLog(
        run_id=record.run_id,
        suite=tracking.suite,
        invocation=tracking.invocation,
        status=record.state,
        params=params,
        steps=_steps(record, notes),
        finals=finals,
        tags=tags,
        folder=record.folder,
        root=root,
        notes=notes,
    )


def flat_params(config: Mapping[str, object], prefix: str = "") -> dict[str, Param]:
    """{"training.max_steps": 30, ...}: nested settings joined by dots; a list or null becomes
    its JSON text, so every value is one a tracker's parameter takes."""
    out: dict[str, Param] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flat_params(value, f"{name}."))
        elif isinstance(value, str | int | float | bool):
            out[name] = value
        else:
            out[name] = json.dumps(value, sort_keys=True, default=str)
    return out


def _numbers(prefix: str, data: Mapping[str, object]) -> dict[str, float]:
    """Every finite number in `data`, nested keys joined by dots; a [low, high] pair becomes
    `_low`/`_high`; other lists (latency samples) and text are left out."""
    out: dict[str, float] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            out.update(_numbers(name, value))
        elif _is_number(value):
            out[name] = float(value)
        elif isinstance(value, list | tuple) and len(value) == 2 and all(map(_is_number, value)):
            out[f"{name}_low"], out[f"{name}_high"] = float(value[0]), float(value[1])
    return out


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _metrics(record: RunRecord, notes: list[str]) -> dict[str, float]:
    """The task score with its 95 % interval (bootstrap over the run's eval items, as `peftbench
    show` gives it for one run) and every metric the dataset computes."""
    from peftbench.results.items import item_sample
    from peftbench.scoring.seeds import cell_interval

    metrics = record.metrics
    assert metrics is not None
    out = {"score": float(metrics.score)}
    out.update(_numbers("metric", metrics.values))
    known = {
        "invalid_rate": metrics.invalid_rate,
        "eval_examples": metrics.eval_examples,
        "eval_seconds": metrics.eval_seconds,
        "generated_tokens": metrics.generated_tokens,
    }
    out.update(_numbers("eval", known))
    if metrics.learning_curve:
        summary = {k: v for k, v in metrics.learning_curve.items() if k != "points"}
        out.update(_numbers("curve", summary))
    sample = item_sample(record.folder, metrics.metric)
    if sample is None:
        notes.append("no per-item scores: the score is logged without its interval")
        return out
    interval = cell_interval([sample])
    out.update(score_ci95_low=interval.low, score_ci95_high=interval.high)
    out["score_items"] = float(len(sample.ids))
    return out


def _steps(record: RunRecord, notes: list[str]) -> list[tuple[int, dict[str, float]]]:
    """What the trainer recorded at each step (train/<key>) and the learning curve's points
    (dev/loss, dev/score), merged by step, in step order."""
    by_step: dict[int, dict[str, float]] = {}
    for row in _train_log(record.folder, notes):
        step = row.get("step")
        if isinstance(step, int) and not isinstance(step, bool):
            figures = {k: float(v) for k, v in row.items() if k != "step" and _is_number(v)}
            by_step.setdefault(step, {}).update({f"train/{k}": v for k, v in figures.items()})
    curve = record.metrics.learning_curve if record.metrics else None
    points = curve.get("points") if curve else None
    for point in points if isinstance(points, list) else []:
        step = point.get("step") if isinstance(point, dict) else None
        if isinstance(point, dict) and isinstance(step, int):
            at = by_step.setdefault(step, {})
            for key in ("dev_loss", "dev_score"):
                value = point.get(key)
                if _is_number(value):
                    at[key.replace("_", "/", 1)] = float(value)
    return [(step, by_step[step]) for step in sorted(by_step) if by_step[step]]


def _train_log(folder: Path, notes: list[str]) -> Iterable[JSONObject]:
    path = folder / TRAIN_LOG
    if not path.exists():
        return []
    try:
        lines = read_capped(path, 256 * 1024 * 1024).decode("utf-8").splitlines()
        rows = [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as exc:
        notes.append(f"{TRAIN_LOG} could not be read ({exc}): no per-step figures")
        return []
    return [row for row in rows if isinstance(row, dict)]
