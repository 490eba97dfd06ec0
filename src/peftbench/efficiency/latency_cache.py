"""Paired latency taken a few times per (model, adapter structure) in a results folder, then reused.

Why reuse: what a forward pass costs depends on the model, the device and the adapter's
*structure* (which modules, what ranks, how many virtual tokens), not on the values training put
into it nor on the dataset it was trained on. A grid with several datasets would otherwise time
the same structure once per dataset; on a 2-core CPU that was ~14 s per cell of the default
suite. Anything that could change the cost is in the key: model and its options, device, method
and its build parameters, parameter counts, the stored adapter's sizes, the forms timed (and
how the deployed one was built: a fallback with no memory for a copy is another form) and the
latency settings. A new results folder measures again; `measurement.latency.reuse: false`
measures every cell.

Why more than one run: pairs within one paired run share that run's machine state (load, clocks,
cache placement), so one run's interval leaves run-to-run variation out (sd 1-4 points in
docs/measurements.md's repeats). The first `RUNS_PER_STRUCTURE` cells of a structure each time it
in their own paired run; later cells copy one of those (chosen by their run id, so a rerun picks
the same; a measuring cell run again takes back its own) and record which cell measured it
(`latency_reused_from`); a cell that times two paired runs (merged in place) copies both from
one cell or times both. A grid with two or more seeds or datasets of a (model, method) therefore
has at least two independent latency runs, and the board's slowdown interval is the run-level
one (`efficiency.paired.runs_slowdown`). A (model, method) with a single cell has one run, and
the board says so (`ONE_RUN`). Not covered: cells whose measuring cells were deleted from the
folder (their entries kept) may all copy the same stored run.
"""

from __future__ import annotations

import hashlib
import json
import typing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from peftbench.efficiency.latency import PairedRun, Samples
from peftbench.efficiency.plausible import bad_samples
from peftbench.json_types import JSONObject, JSONValue, accepts
from peftbench.results.atomic import WriteError, write_json
from peftbench.results.safe_read import JSON_CAP, read_capped

if TYPE_CHECKING:  # annotations only
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")

# independent paired runs of one structure before later cells reuse them (module docstring)
RUNS_PER_STRUCTURE = 2


def _tag(run_id: str) -> str:
    """The part of an entry's file name that names the cell that measured it."""
    return hashlib.sha256(run_id.encode()).hexdigest()[:10]


def paired_run_to_json(run: PairedRun) -> JSONObject:
    return asdict(run)


def check_entry(data: object, structure: object, forms: list[str], part: str) -> str | None:
    """Why a stored entry cannot be reused (None: it can): it must be the entry of this
    structure, forms and part, and every sample a plausible time (efficiency/plausible.py)
    with one per pair and form, as a record's samples must be."""
    if not isinstance(data, dict) or not isinstance(data.get("paired_run"), dict):
        return "not a stored paired run"
    if data.get("structure") != structure or data.get("forms") != forms or data.get("part") != part:
        return "stored for another adapter structure"
    by = data.get("measured_by")
    if not isinstance(by, str) or not 0 < len(by) <= 255 or not by.isprintable() or "/" in by:
        return "'measured_by' should name a run (a run id: printable, a folder name)"
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


def paired_run_from_json(data: JSONObject) -> PairedRun:
    """The run `paired_run_to_json` wrote; TypeError when a key is missing or unknown, or holds
    another type than its field's (a damaged entry: not reused)."""
    samples = data["samples"]
    if not isinstance(samples, dict):
        raise TypeError(f"'samples' should be an object, found {samples!r}")
    timed = {name: _typed(Samples, s) for name, s in samples.items()}
    return _typed(PairedRun, {k: v for k, v in data.items() if k != "samples"}, samples=timed)


def _typed(cls: type[T], data: JSONValue, **given: object) -> T:
    """`cls(**data, **given)` with each value of `data` checked against its field's type."""
    if not isinstance(data, dict):
        raise TypeError(f"a {cls.__name__} should be an object, found {data!r}")
    hints = typing.get_type_hints(cls)
    for key, value in data.items():
        if key in hints and not accepts(hints[key], value):
            raise TypeError(f"'{key}' should be {hints[key]}, found {value!r}")
    return cls(**data, **given)


@dataclass(frozen=True)
class LatencyCache:
    """Stored paired runs under `folder`, for cells whose cost-relevant facts are `structure`."""

    folder: Path
    structure: dict[str, object]  # JSON-able: what determines a forward pass's cost
    run_id: str  # the cell asking (recorded as the measurer when it measures)

    def _key(self, forms: list[str], part: str) -> str:
        blob = json.dumps([self.structure, forms, part], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:24]

    def _path(self, forms: list[str], part: str) -> Path:
        """This cell's own entry (one file per measuring cell, so concurrent cells never
        overwrite each other's runs)."""
        return self.folder / f"{self._key(forms, part)}.{_tag(self.run_id)}.json"

    def stored(self, forms: list[str], part: str) -> dict[str, PairedRun]:
        """Every reusable stored run of this structure, forms and part, by the run id that
        measured it. An entry that fails the checks a record's samples pass (`check_entry`),
        or whose file is not the one its measurer writes (a copy under another name would
        count one run twice), is left out, with one line saying how many and why."""
        out: dict[str, PairedRun] = {}
        refused: dict[str, int] = {}
        for path in sorted(self.folder.glob(f"{self._key(forms, part)}.*.json")):
            try:
                data = json.loads(read_capped(path, JSON_CAP).decode("utf-8"))
                why = check_entry(data, self.structure, forms, part)
                if why is None and path.name.split(".")[1] != _tag(data["measured_by"]):
                    why = "its file name is not its measurer's"
                if why is not None:
                    refused[why] = refused.get(why, 0) + 1
                    continue
                out[data["measured_by"]] = paired_run_from_json(data["paired_run"])
            except (OSError, ValueError, KeyError, TypeError, RecursionError):  # damaged: skip
                why = "not a readable JSON file (a link, a folder, a FIFO, too large, damaged)"
                refused[why] = refused.get(why, 0) + 1
        for why, count in sorted(refused.items()):
            print(f"latency cache: {count} stored run(s) of this structure not reused ({why})")
        return out

    def get(self, parts: list[tuple[list[str], str]]) -> tuple[dict[str, PairedRun], str] | None:
        """Stored runs to copy for every part this cell times (part name -> run), all taken by
        one measuring cell, and that cell's run id; or None: fewer than `RUNS_PER_STRUCTURE`
        cells stored every part, so this cell times all of its own. All or nothing, so that
        `latency_reused_from` names the measurer of every copied part, never one of several.
        A cell that measured before (run again after its record was set aside) gets its own
        run back: a copy of another's would leave the grid with one independent run fewer."""
        stored = [self.stored(forms, part) for forms, part in parts]
        whole = sorted(set.intersection(*(set(runs) for runs in stored))) if stored else []
        if self.run_id in whole:  # a measuring cell run again (set aside): its own run back
            pick = self.run_id
        elif len(whole) < RUNS_PER_STRUCTURE:
            return None
        else:
            pick = whole[int(hashlib.sha256(self.run_id.encode()).hexdigest(), 16) % len(whole)]
        return {part: runs[pick] for (_, part), runs in zip(parts, stored, strict=True)}, pick

    def put(self, forms: list[str], part: str, run: PairedRun) -> None:
        """Store this cell's run for later cells. The store only saves time: when it cannot be
        written (its folder is a file, a full disk) the cell goes on with its own timing,
        which is in its record, and says so in one line."""
        entry = {
            "measured_by": self.run_id,
            "structure": self.structure,
            "forms": forms,
            "part": part,
            "paired_run": paired_run_to_json(run),
        }
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_json(self._path(forms, part), entry)
        except (OSError, WriteError) as exc:
            print(f"latency cache: this cell's run not stored for reuse ({exc})")
