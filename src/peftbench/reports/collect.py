"""Everything a report shows, gathered once from a results folder into one plain dict.

Every format (HTML, Markdown, CSV, LaTeX, JSON) renders this same dict, so they cannot disagree;
its leaderboard is the one `peftbench run` writes and `show` prints (`leaderboard.of_folder`).
Which runs count is decided by results/folder.py: the runs of the folder's last invocation;
runs it asked for but the folder lacks are missing, other run folders are listed as ignored,
and damaged records are named (file and reason) and left out of every figure.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from peftbench.config.schema import ScoringSettings
from peftbench.reports import leaderboard
from peftbench.reports.retention import retention_data
from peftbench.reports.seeds import seed_stats
from peftbench.results.folder import ResultsFolder, read_folder
from peftbench.results.record import RunRecord
from peftbench.scoring.constraints import Constraints


def collect(
    path: Path | ResultsFolder,
    scoring: ScoringSettings | None = None,
    limits: Constraints | None = None,
) -> dict[str, Any]:
    """The report's data for the results folder `path` (`scoring`, `limits`: see
    leaderboard.of_folder)."""
    folder = path if isinstance(path, ResultsFolder) else read_folder(path)
    scoring = scoring or folder.scoring
    board = leaderboard.of_folder(folder, scoring, limits)
    ok = folder.ok
    _add_costs(board, ok)
    suite = folder.suite
    return {
        "results_dir": str(folder.root),
        "suite": {"name": suite.name, "description": suite.description} if suite else None,
        "board": board,
        "seeds": seed_stats(ok, scoring),
        "retention": retention_data(board, ok),
        "environment": environment(ok + folder.failed),
        "counts": {
            "runs": len(folder.records),
            "ok": len(ok),
            "failed": len(board["failed"]),
            "damaged": len(board["damaged"]) + len(board["damaged_files"]),
            "missing": len(board["missing"]),
            "expected": len(folder.expected) if folder.expected is not None else None,
        },
        "ignored": folder.ignored,
        "notes": folder.notes,
    }


def _add_costs(board: dict[str, Any], records: Sequence[RunRecord]) -> None:
    """Efficiency figures the leaderboard row leaves out, for the efficiency table: forward
    FLOPs (and the token count they are for), adapter size on disk, training time and speed."""
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for r in records:
        groups[(r.model, r.method)].append(r.eff)
    for row in board["rows"]:
        eff = groups.get((row["model"], row["method"]), [])

        def med(key: str, eff: list[Any] = eff) -> float | None:
            vals = [e.get(key) for e in eff if isinstance(e.get(key), int | float)]
            return statistics.median(vals) if vals else None

        row["costs"] = {
            "flops": med("flops"),
            "flops_tokens": med("flops_tokens"),
            "adapter_bytes": med("adapter_bytes"),
            "train_seconds": med("train_seconds"),
            "tokens_per_second": med("tokens_per_second"),
            "prefill_ms": med("prefill_ms"),
            "memory_kind": sorted({str(e.memory_kind) for e in eff if e.memory_kind}),
            "device": sorted({str(e.device) for e in eff if e.device}),
        }


def environment(records: Sequence[RunRecord]) -> dict[str, Any]:
    """What the runs ran on: each provenance field with its distinct values and how many runs had
    each (more than one value means the runs are not from one environment), plus datasets and
    models with their fingerprints and sources, and wall times."""
    fields: dict[str, Counter] = defaultdict(Counter)
    packages: dict[str, Counter] = defaultdict(Counter)
    datasets: dict[str, dict[str, Any]] = {}
    models: dict[str, dict[str, Any]] = {}
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
