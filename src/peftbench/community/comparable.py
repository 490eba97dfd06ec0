"""When two runs from different bundles may share a board: the same resolved settings.

A board ranks the methods of one model on one task, so every run on it must have been trained
and scored the same way. A run is comparable with the first run of its (model, task) that was
merged (bundles in the order given) when these agree, each read from the typed record:

- training settings (config.json `training`), evaluation settings (`evaluation`, and the
  `stability` probe whose figures the board shows), model options (`model_options`);
- the dataset's fingerprint (provenance.json `dataset`: source, version, the train and eval
  fingerprints and sizes) and the model's source (provenance.json `model`: source, revision,
  architecture, init seed);
- the scoring settings of its bundle's suite (PSCP weights, task metric);
- with the first run of the same method: the method's settings (`method_params`).

What is left out on purpose: `measurement` settings and the hardware. Latency and memory are
measured where each run ran; the board's slowdown is paired within a run, so it compares across
machines, and the absolute figures say on which device they were taken.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from peftbench.config.schema import ScoringSettings
from peftbench.results.record import RunRecord

DATASET_IDENTITY = (
    "source",
    "version",
    "train_fingerprint",
    "eval_fingerprint",
    "train_examples",
    "eval_examples",
)


def cell_settings(rec: RunRecord, scoring: ScoringSettings) -> dict[str, object]:
    """What must agree between every run of one (model, task) board, by what a reader calls it."""
    cfg = rec.config.settings if rec.config else {}
    prov = rec.provenance.data
    found = prov.get("dataset")
    dataset = found if isinstance(found, dict) else {}
    return {
        "training settings": cfg.get("training"),
        "evaluation settings": {k: cfg.get(k) for k in ("evaluation", "stability")},
        "model options": cfg.get("model_options"),
        "dataset fingerprint": {k: dataset.get(k) for k in DATASET_IDENTITY},
        "model source": prov.get("model"),
        "scoring settings": dataclasses.asdict(scoring),
    }


def method_settings(rec: RunRecord) -> dict[str, object]:
    cfg = rec.config.settings if rec.config else {}
    return {"method settings": cfg.get("method_params")}


def difference(mine: Mapping[str, object], first: Mapping[str, object]) -> str | None:
    """Why `mine` differs from `first` (what, and up to three keys with both values), or None."""
    for what in mine:
        a, b = _flat(mine[what]), _flat(first.get(what))
        keys = sorted(k for k in set(a) | set(b) if a.get(k, "<unset>") != b.get(k, "<unset>"))
        if keys:
            shown = "; ".join(
                f"{k or what}: {a.get(k, '<unset>')!r} here, {b.get(k, '<unset>')!r} there"
                for k in keys[:3]
            )
            more = f" (and {len(keys) - 3} more)" if len(keys) > 3 else ""
            return f"different {what} ({shown}{more})"
    return None


def _flat(value: object, prefix: str = "") -> dict[str, object]:
    """Nested mappings as one level, keyed by dotted paths (a leaf under its path)."""
    if isinstance(value, Mapping):
        out: dict[str, object] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}
