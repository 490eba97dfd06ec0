"""A run's eval items as a bootstrap sample: read from its predictions.jsonl.

Evaluation writes one line per eval item: its id, the parsed prediction, the gold and, for every
metric that is a mean over items, that item's score (`scores`). The headline metric's sample is a
`MeanItems` when the per-item scores are there, else a `CorpusItems` that recomputes the metric
(from the registry) on resampled parsed predictions and golds. None when neither is possible:
no predictions file, a metric that is no longer registered, or golds too large to have been
written in full (APPS test suites are stored as a digest; their pass@1 is a mean metric and
always has per-item scores).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from peftbench.scoring.intervals import CorpusItems, CountItems, ItemSample, MeanItems

PREDICTIONS = "predictions.jsonl"


def read_predictions(run_dir: Path | str) -> list[dict[str, Any]] | None:
    path = Path(run_dir) / PREDICTIONS
    if not path.is_file():
        return None
    try:
        with path.open(encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None  # a damaged predictions file: no items, like a missing one
    # every row an object with an id and, where present, a mapping of scores (else damaged)
    ok = all(
        isinstance(r, dict) and "id" in r and isinstance(r.get("scores") or {}, dict) for r in rows
    )
    return rows if ok else None


def _digest(gold: Any) -> bool:
    return isinstance(gold, dict) and set(gold) == {"sha256", "chars", "head"}


def item_sample(run_dir: Path | str, metric: str) -> ItemSample | None:
    """The run's items for `metric` (see the module docstring)."""
    rows = read_predictions(run_dir)
    if not rows:
        return counted(run_dir, metric)
    ids = tuple(str(r["id"]) for r in rows)
    if len(set(ids)) != len(ids):
        return None  # items cannot be paired with another run's by id
    if all(metric in (r.get("scores") or {}) for r in rows):
        scores = [r["scores"][metric] for r in rows]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in scores):
            return None  # a damaged score: no items, like a damaged file
        return MeanItems(ids, tuple(float(v) for v in scores))
    from peftbench.metrics import METRICS

    if metric not in METRICS or any(_digest(r.get("gold")) for r in rows):
        return None
    entry = METRICS.get(metric)
    return CorpusItems(
        ids,
        tuple(r.get("parsed") for r in rows),
        tuple(r.get("gold") for r in rows),
        entry.compute,
        entry.replicates,
    )


def counted(run_dir: Path | str, metric: str) -> CountItems | None:
    """An imported record's items: no predictions, but metrics.json says how many of how many
    items of which test set were right (`correct`, `eval_examples`, `item_set`; written by
    `peftbench import`). None for anything else."""
    try:
        data = json.loads((Path(run_dir) / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("metric") != metric:
        return None
    k, n, item_set = data.get("correct"), data.get("eval_examples"), data.get("item_set")
    if not (isinstance(k, int) and isinstance(n, int) and isinstance(item_set, str)):
        return None
    if isinstance(k, bool) or isinstance(n, bool) or not 0 <= k <= n or n < 1:
        return None
    return CountItems.of(Path(run_dir).name, k, n, item_set)
