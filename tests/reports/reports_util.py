"""Helpers shared by the report tests (imported by their conftest and test modules)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli_util import peftbench as peftbench  # re-exported: the report tests import it from here

# the session's smoke results (conftest.smoke_run): these methods and seeds
METHODS = ["frozen", "lora", "ia3"]
SEEDS = [1, 2]


def run_dirs(root: Path, method: str | None = None, dataset: str | None = None) -> list[Path]:
    """Run folders, optionally of one method and/or dataset (from their config.json)."""
    out = []
    for d in sorted((root / "runs").iterdir()):
        if not (d / "config.json").is_file():
            continue
        cfg = json.loads((d / "config.json").read_text())
        if method in (None, cfg["method"]) and dataset in (None, cfg["dataset"]):
            out.append(d)
    return out


def edit_json(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))


def set_score(run: Path, score: float) -> None:
    """Give a committed run the task score `score` the way a run would have recorded it: every
    eval item's score of the task metric becomes `score` (so predictions.jsonl averages to it, as
    the record's cross-check demands), metrics.json and status.json say it, and the sha256 and
    size recorded at commit for predictions.jsonl follow the edit."""
    import hashlib

    metrics = json.loads((run / "metrics.json").read_text())
    metric = metrics["metric"]
    predictions = run / "predictions.jsonl"
    if predictions.is_file():
        rows = [json.loads(line) for line in predictions.read_text().splitlines() if line]
        for row in rows:
            row["scores"][metric] = score
        predictions.write_text("".join(json.dumps(r) + "\n" for r in rows))
    edit_json(run / "metrics.json", lambda m: m.update(score=score))
    if metric in metrics.get("values", {}):
        edit_json(run / "metrics.json", lambda m: m["values"].update({metric: score}))

    def status(s: dict[str, Any]) -> None:
        if "score" in s:
            s["score"] = score
        entry = (s.get("files") or {}).get("predictions.jsonl")
        if entry is not None and predictions.is_file():
            data = predictions.read_bytes()
            entry.update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))

    edit_json(run / "status.json", status)
