"""A results folder, read: the runs of its last invocation, its suite's scoring, what is damaged.

Every command that reads results (`run`'s leaderboard, `show`, `report`, `compare`) opens the
folder here, so they all see the same runs:

    suite.json        the suite of the last invocation (only its name, description and scoring
                      are read, leniently: a setting removed since never makes it unreadable)
    invocations.json  the run_ids of every invocation, newest last (written by `record_invocation`
                      when `peftbench run` starts); the last one decides which runs count
    runs/<run_id>/    one record per run (results/record.py)
    damaged/          damaged run folders moved aside by `peftbench run` before re-running them

Runs in runs/ that the last invocation did not ask for are `ignored` (listed, not mixed in); runs
it asked for but the folder lacks are `missing`. A folder written before invocations were
recorded shows every run in it, and says so. A damaged suite.json or invocations.json is named
in `damaged_files` and the folder is still read (default scoring, every run).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NotRequired, TypedDict, TypeGuard, TypeVar

from peftbench.config.schema import ScoringSettings
from peftbench.errors import UserError
from peftbench.json_types import JSONValue
from peftbench.results.atomic import write_json
from peftbench.results.record import (
    SCHEMA_VERSION,
    Damage,
    RecordDamage,
    RunRecord,
    read_object,
    read_run,
)
from peftbench.results.store import ResultsStore

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

SUITE = "suite.json"
INVOCATIONS = "invocations.json"
_Settings = TypeVar("_Settings", bound="DataclassInstance")


class Invocation(TypedDict):
    """One entry of invocations.json: the run_ids one invocation made (what readers use), the
    suite's name and when it started. An entry is kept as written (with any other keys)."""

    run_ids: list[str]
    suite: NotRequired[JSONValue]
    started: NotRequired[JSONValue]


def _is_invocation(entry: JSONValue) -> TypeGuard[Invocation]:
    run_ids = entry.get("run_ids") if isinstance(entry, dict) else None
    return isinstance(run_ids, list) and all(isinstance(r, str) for r in run_ids)


@dataclass(frozen=True)
class SuiteInfo:
    """What readers need of a saved suite."""

    name: str | None = None
    description: str = ""
    scoring: ScoringSettings = field(default_factory=ScoringSettings)


@dataclass(frozen=True)
class ResultsFolder:
    root: Path
    records: list[RunRecord]  # the runs that count, in any state (ok, failed, damaged)
    suite: SuiteInfo | None = None  # None: no (readable) suite.json
    expected: list[str] | None = None  # run_ids of the last invocation; None: not recorded
    ignored: list[str] = field(default_factory=list)
    damaged_files: list[Damage] = field(default_factory=list)  # suite.json, invocations.json
    notes: list[str] = field(default_factory=list)

    @property
    def scoring(self) -> ScoringSettings:
        return self.suite.scoring if self.suite else ScoringSettings()

    @property
    def ok(self) -> list[RunRecord]:
        return [r for r in self.records if r.ok]

    @property
    def failed(self) -> list[RunRecord]:
        return [r for r in self.records if r.state == "failed"]

    @property
    def damaged(self) -> list[RunRecord]:
        return [r for r in self.records if r.state == "damaged"]

    @property
    def missing(self) -> list[str]:
        present = {r.run_id for r in self.records}
        return [rid for rid in self.expected or [] if rid not in present]


def _lenient(cls: type[_Settings], data: object, where: str) -> _Settings:
    """A settings dataclass from saved data: known keys whose values have the default's type;
    unknown keys are ignored (removed settings); a wrong value is damage."""
    if not isinstance(data, dict):
        raise RecordDamage(SUITE, f"'{where}' should be an object, found {data!r}")
    kwargs: dict[str, object] = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        value, key = data[f.name], f"{where}.{f.name}"
        default = f.default_factory() if callable(f.default_factory) else f.default
        if dataclasses.is_dataclass(default) and not isinstance(default, type):
            kwargs[f.name] = _lenient(type(default), value, key)
        elif isinstance(default, float | int) and not isinstance(default, bool):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise RecordDamage(SUITE, f"'{key}' should be a number, found {value!r}")
            if not math.isfinite(value):
                raise RecordDamage(SUITE, f"'{key}' should be finite, found {value!r}")
            kwargs[f.name] = value
        else:
            kwargs[f.name] = value
    try:
        return cls(**kwargs)
    except UserError as exc:  # a value today's settings refuse (pscp.a: -50): default scoring
        raise RecordDamage(SUITE, exc.message) from None


def read_suite(root: Path) -> SuiteInfo | None:
    """The saved suite, or None when the folder has none. Raises RecordDamage when unreadable."""
    path = Path(root) / SUITE
    if not path.exists():
        return None
    data = read_object(path)
    name, description = data.get("name"), data.get("description", "")
    return SuiteInfo(
        name=name if isinstance(name, str) else None,
        description=description if isinstance(description, str) else "",
        scoring=_lenient(ScoringSettings, data.get("scoring", {}), "scoring"),
    )


def read_invocations(root: Path) -> list[Invocation] | None:
    """Every recorded invocation, oldest first; None when the folder predates them."""
    path = Path(root) / INVOCATIONS
    if not path.exists():
        return None
    data = read_object(path)
    entries = data.get("invocations")
    if not isinstance(entries, list) or not all(_is_invocation(e) for e in entries):
        raise RecordDamage(INVOCATIONS, "'invocations' should be a list of {run_ids: [...]}")
    return [e for e in entries if _is_invocation(e)]


def record_invocation(
    store: ResultsStore, suite: Mapping[str, JSONValue], run_ids: list[str]
) -> None:
    """Save the suite and append this invocation's run_ids (atomically, under the store lock).
    An unreadable invocations.json is started afresh (the runs themselves are untouched)."""
    with store.lock():
        write_json(store.root / SUITE, {"schema_version": SCHEMA_VERSION, **suite})
        try:
            entries = read_invocations(store.root) or []
        except RecordDamage:
            entries = []
        entries.append(
            {
                "suite": suite.get("name"),
                "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "run_ids": list(run_ids),
            }
        )
        write_json(
            store.root / INVOCATIONS, {"schema_version": SCHEMA_VERSION, "invocations": entries}
        )


def run_folders(root: Path) -> list[Path]:
    """Every committed run folder (temporary and trash folders start with a dot)."""
    runs = Path(root) / "runs"
    return [d for d in sorted(runs.iterdir()) if d.is_dir() and not d.name.startswith(".")]


def read_folder(path: Path | str) -> ResultsFolder:
    """Open a results folder for reading (see the module docstring)."""
    root = Path(path)
    if not (root / "runs").is_dir():
        raise UserError(
            f"{root} is not a results folder (it has no runs/ folder)",
            "pass the --out folder of `peftbench run` (default results/<suite name>)",
        )
    damaged: list[Damage] = []
    notes: list[str] = []
    suite = invocations = None
    try:
        suite = read_suite(root)
    except RecordDamage as exc:  # whatever is wrong with it (a type, a range, not JSON), say so
        damaged.append(Damage(exc.file, f"{exc.reason}; read with the default scoring"))
    try:
        invocations = read_invocations(root)
    except RecordDamage as exc:
        damaged.append(Damage(exc.file, exc.reason))
    records = [read_run(d) for d in run_folders(root)]
    if not invocations:
        if not any(d.file == INVOCATIONS for d in damaged):
            notes.append(
                "this folder does not record which runs its last invocation made (written by "
                "an older peftbench): every run in it is shown"
            )
        return ResultsFolder(root, records, suite, None, [], damaged, notes)
    expected = list(dict.fromkeys(invocations[-1]["run_ids"]))
    wanted = set(expected)
    kept = [r for r in records if r.run_id in wanted]
    ignored = [r.run_id for r in records if r.run_id not in wanted]
    return ResultsFolder(root, kept, suite, expected, ignored, damaged, notes)
