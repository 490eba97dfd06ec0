"""Everything a report shows, gathered once from a results folder: the board (board/) and the
figures only reports show (seed statistics, retention, environment, counts).

Every format (reports/formats/) renders this same `ReportData`, so they cannot disagree; its
board is the one `peftbench run` writes and `show` prints (`board.build.of_folder`). Which runs
count is decided by results/folder.py: the runs of the folder's last invocation; runs it asked
for but the folder lacks are missing, other run folders are listed as ignored, and damaged
records are named (file and reason) and left out of every figure.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from peftbench.board.build import of_folder
from peftbench.board.model import Board
from peftbench.board.serialise import to_json
from peftbench.config.schema import ScoringSettings
from peftbench.json_types import JSONObject
from peftbench.reports.retention import RetentionData, retention_data
from peftbench.reports.seeds import SeedStats, seed_stats
from peftbench.results.folder import ResultsFolder, read_folder
from peftbench.results.record import RunRecord
from peftbench.scoring.constraints import Constraints


class SuiteView(TypedDict):
    name: str | None
    description: str


class Counts(TypedDict):
    """How many runs the folder has, by state (`expected`: None when not recorded)."""

    runs: int
    ok: int
    failed: int
    damaged: int
    missing: int
    expected: int | None


class EnvironmentView(TypedDict):
    """What the runs ran on (`environment`)."""

    fields: dict[str, dict[str, int]]
    packages: dict[str, dict[str, int]]
    datasets: dict[str, JSONObject]
    models: dict[str, JSONObject]
    wall_seconds_total: float
    first_start: float | None
    last_start: float | None
    mixed: list[str]


class ReportView(TypedDict):
    """The report's data as JSON (report.json; embedded in report.html)."""

    results_dir: str
    suite: SuiteView | None
    board: JSONObject
    seeds: SeedStats
    retention: RetentionData
    environment: EnvironmentView
    counts: Counts
    ignored: list[str]
    notes: list[str]


@dataclass(frozen=True)
class ReportData:
    """What every format renders: the board, and `view`, the JSON-ready dict of everything
    (its "board" is `board` serialised, as in leaderboard.json). Renderers read the board's
    figures from `board`, the rest from `view`."""

    board: Board
    view: ReportView


def collect(
    path: Path | ResultsFolder,
    scoring: ScoringSettings | None = None,
    limits: Constraints | None = None,
    board: Board | None = None,
) -> ReportData:
    """The report's data for the results folder `path` (`scoring`, `limits`: see
    board.build.of_folder; `board`: the folder's board when already built, as in `run`)."""
    folder = path if isinstance(path, ResultsFolder) else read_folder(path)
    scoring = scoring or folder.scoring
    board = board or of_folder(folder, scoring, limits)
    ok = folder.ok
    suite = folder.suite
    view: ReportView = {
        "results_dir": str(folder.root),
        "suite": {"name": suite.name, "description": suite.description} if suite else None,
        "board": to_json(board),
        "seeds": seed_stats(ok, scoring),
        "retention": retention_data(board, ok),
        "environment": environment(ok + folder.failed),
        "counts": {
            "runs": len(folder.records),
            "ok": len(ok),
            "failed": len(board.failed),
            "damaged": len(board.damaged) + len(board.damaged_files),
            "missing": len(board.missing),
            "expected": len(folder.expected) if folder.expected is not None else None,
        },
        "ignored": folder.ignored,
        "notes": folder.notes,
    }
    return ReportData(board, view)


def environment(records: Sequence[RunRecord]) -> EnvironmentView:
    """What the runs ran on: each provenance field with its distinct values and how many runs had
    each (more than one value means the runs are not from one environment), plus datasets and
    models with their fingerprints and sources, and wall times."""
    fields: dict[str, Counter[str]] = defaultdict(Counter)
    packages: dict[str, Counter[str]] = defaultdict(Counter)
    datasets: dict[str, JSONObject] = {}
    models: dict[str, JSONObject] = {}
    for r in records:
        for key, value in r.provenance.data.items():
            if key == "packages" and isinstance(value, dict):
                for name, version in value.items():
                    packages[name][str(version)] += 1
            elif key == "dataset" and isinstance(value, dict):
                datasets.setdefault(str(value.get("name")), value)
            elif key == "model" and isinstance(value, dict):
                models.setdefault(r.model, value)
            elif not isinstance(value, dict | list) and key != "seed":
                fields[key][str(value)] += 1
    walls = [r.status.wall_seconds for r in records if r.status]
    starts = [r.status.started for r in records if r.status and r.status.started]
    return {
        "fields": {k: dict(v) for k, v in sorted(fields.items())},
        "packages": {k: dict(v) for k, v in sorted(packages.items())},
        "datasets": datasets,
        "models": models,
        "wall_seconds_total": sum(walls),
        "first_start": min(starts) if starts else None,
        "last_start": max(starts) if starts else None,
        "mixed": sorted(k for k, v in fields.items() if len(v) > 1 and k != "torch_threads"),
    }
