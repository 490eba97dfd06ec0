"""Paired latency taken once per (model, adapter structure) in a results folder.

Why: what a forward pass costs depends on the model, the device and the adapter's *structure*
(which modules, what ranks, how many virtual tokens), not on the values training put into it
nor on the dataset it was trained on. A grid with several datasets would otherwise time the
same structure once per dataset; on a 2-core CPU that was ~14 s per cell of the default suite.
The first cell with a given structure times it (paired and interleaved, as always) and stores
the paired run here; later cells with the same structure copy it and record which run measured
it (`latency_reused_from`). Anything that could change the cost is in the key: model and its
options, device, method and its build parameters, parameter counts, the stored adapter's sizes,
the forms timed and the latency settings. A new results folder measures again;
`measurement.latency.reuse: false` measures every cell.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from peftbench.efficiency.latency import PairedRun, Samples
from peftbench.efficiency.plausible import bad_samples
from peftbench.results.atomic import write_json
from peftbench.results.safe_read import JSON_CAP, read_capped


def paired_run_to_json(run: PairedRun) -> dict[str, Any]:
    return asdict(run)


def check_entry(data: object, structure: object, forms: list[str], part: str) -> str | None:
    """Why a stored entry cannot be reused (None: it can): it must be the entry of this
    structure, forms and part, and every sample a plausible time (efficiency/plausible.py)
    with one per pair and form, as a record's samples must be."""
    if not isinstance(data, dict) or not isinstance(data.get("paired_run"), dict):
        return "not a stored paired run"
    if data.get("structure") != structure or data.get("forms") != forms or data.get("part") != part:
        return "stored for another adapter structure"
    if not isinstance(data.get("measured_by"), str):
        return "'measured_by' should name a run"
    run = data["paired_run"]
    pairs, stored = run.get("pairs"), run.get("samples")
    if isinstance(pairs, bool) or not isinstance(pairs, int) or pairs < 1:
        return f"'pairs' should be a positive count, found {pairs!r}"
    if not isinstance(stored, dict) or sorted(stored) != sorted(forms):
        return f"'samples' should hold the forms {forms}"
    for form, timed in stored.items():
        if not isinstance(timed, dict) or set(timed) != {"prefill", "decode"}:
            return f"'samples.{form}' should hold prefill and decode samples"
        for kind, values in timed.items():
            why = bad_samples(values)
            if why is None and len(values) != pairs:
                why = f"holds {len(values)} samples for {pairs} pairs"
            if why is not None:
                return f"samples.{form}.{kind} {why}"
    return None


def paired_run_from_json(data: dict[str, Any]) -> PairedRun:
    samples = {name: Samples(**s) for name, s in data["samples"].items()}
    return PairedRun(**{**data, "samples": samples})


@dataclass(frozen=True)
class LatencyCache:
    """Stored paired runs under `folder`, for cells whose cost-relevant facts are `structure`."""

    folder: Path
    structure: dict[str, object]  # JSON-able: what determines a forward pass's cost
    run_id: str  # the cell asking (recorded as the measurer when it measures)

    def _path(self, forms: list[str], part: str) -> Path:
        blob = json.dumps([self.structure, forms, part], sort_keys=True, default=str)
        return self.folder / f"{hashlib.sha256(blob.encode()).hexdigest()[:24]}.json"

    def get(self, forms: list[str], part: str) -> tuple[PairedRun, str] | None:
        """(the stored paired run, the run id that measured it), or None: none stored, or one
        that fails the checks a record's samples pass (`check_entry`), which is measured again."""
        path = self._path(forms, part)
        try:
            raw = read_capped(path, JSON_CAP)
            data = json.loads(raw.decode("utf-8"))
            why = check_entry(data, self.structure, forms, part)
            if why is not None:
                print(f"latency cache {path.name} not reused ({why}): measuring again")
                return None
            return paired_run_from_json(data["paired_run"]), str(data["measured_by"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, RecursionError):  # damaged: measure
            return None

    def put(self, forms: list[str], part: str, run: PairedRun) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_json(
            self._path(forms, part),
            {
                "measured_by": self.run_id,
                "structure": self.structure,
                "forms": forms,
                "part": part,
                "paired_run": paired_run_to_json(run),
            },
        )
