"""Everything a report shows, gathered once from a results folder into one plain dict.

Every format (HTML, Markdown, CSV, LaTeX, JSON) renders this same dict, so they cannot disagree.
When the folder holds its `suite.json`, only the runs of that suite count (as in the leaderboard
that `peftbench run` writes) and the runs it expects but lacks are named as missing; run folders
left over from an earlier configuration are listed as ignored rather than mixed in.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peftbench.config.schema import ScoringSettings, Suite
from peftbench.errors import UserError
from peftbench.reports import leaderboard
from peftbench.reports.seeds import seed_stats
from peftbench.results.store import ResultsStore, read_json


def load_suite(root: Path) -> Suite | None:
    from peftbench.config.validate import build

    path = root / "suite.json"
    return build(Suite, read_json(path)) if path.is_file() else None


def expected_runs(suite: Suite | None) -> list[Any] | None:
    """The runs (RunSpecs) the suite asks for, or None when they cannot be known (no suite, or a
    method or dataset of the suite is no longer installed)."""
    if suite is None:
        return None
    from peftbench.config.loader import expand

    try:
        return expand(suite)
    except UserError:
        return None


def select(
    records: list[dict[str, Any]], specs: list[Any]
) -> tuple[list[dict[str, Any]], list[str], list[str], str | None]:
    """(records that belong to the suite, ids ignored, the expected ids, a note or None).

    Records match by run_id, as in the leaderboard `peftbench run` writes. When none match at all
    (the folder was written by a peftbench whose run ids hash the config differently), they are
    matched by their (model, method, dataset, seed) cell instead, newest first, and a note says so.
    """
    ids = [s.run_id for s in specs]
    wanted = set(ids)
    exact = [r for r in records if r["run_id"] in wanted]
    if exact or not records:
        ignored = [r["run_id"] for r in records if r["run_id"] not in wanted]
        return exact, ignored, ids, None
    cells = {(s.model, s.method, s.dataset, s.seed): s.run_id for s in specs}
    chosen: dict[tuple, dict[str, Any]] = {}
    for r in sorted(records, key=lambda r: -float(r["status"].get("started") or 0.0)):
        c = r.get("config", {})
        cell = (c.get("model"), c.get("method"), c.get("dataset"), c.get("seed"))
        if cell in cells and cell not in chosen:
            chosen[cell] = r
    keep = list(chosen.values())
    kept = {r["run_id"] for r in keep}
    expected = [chosen[c]["run_id"] if c in chosen else rid for c, rid in cells.items()]
    note = (
        "no run id in this folder matches the suite as this peftbench version resolves it (the "
        "runs were made with another version or configuration); runs are matched by model, "
        "method, dataset and seed instead"
    )
    return keep, [r["run_id"] for r in records if r["run_id"] not in kept], expected, note


def open_results(path: Path) -> ResultsStore:
    path = Path(path)
    if not (path / "runs").is_dir():
        raise UserError(
            f"{path} is not a results folder (it has no runs/ folder)",
            "pass the --out folder of `peftbench run` (default results/<suite name>)",
        )
    return ResultsStore(path)


@dataclass
class RunSet:
    """The records of a results folder that belong to its suite, and what is known about them."""

    root: Path
    suite: Suite | None
    records: list[dict[str, Any]]
    expected: list[str] | None  # None: unknown (no suite.json)
    ignored: list[str]
    note: str | None

    @property
    def scoring(self) -> ScoringSettings:
        return self.suite.scoring if self.suite else ScoringSettings()


def gather(path: Path) -> RunSet:
    store = open_results(path)
    suite = load_suite(store.root)
    specs = expected_runs(suite)
    records = store.records()
    if specs is None:
        return RunSet(store.root, suite, records, None, [], None)
    records, ignored, expected, note = select(records, specs)
    return RunSet(store.root, suite, records, expected, ignored, note)


def collect(path: Path) -> dict[str, Any]:
    """The report's data for the results folder `path`."""
    rs = gather(path)
    records, suite, expected, scoring = rs.records, rs.suite, rs.expected, rs.scoring
    board = leaderboard.build(records, scoring, expected or ())
    failed = {f["run_id"]: f for f in board["failed"]}
    for r in records:  # the leaderboard names failed runs; add what they were
        if r["run_id"] in failed:
            failed[r["run_id"]].update(_cell(r))
    _add_costs(board, records)
    return {
        "results_dir": str(rs.root),
        "suite": {"name": suite.name, "description": suite.description} if suite else None,
        "board": board,
        "seeds": seed_stats(records, scoring),
        "environment": environment(records),
        "counts": {
            "runs": len(records),
            "ok": sum(r["status"].get("status") == "ok" for r in records),
            "failed": len(board["failed"]),
            "missing": len(board["missing"]),
            "expected": len(expected) if expected is not None else None,
        },
        "ignored": rs.ignored,
        "match_note": rs.note,
    }


def _cell(record: dict[str, Any]) -> dict[str, Any]:
    cfg = record.get("config", {})
    return {k: cfg.get(k) for k in ("model", "method", "dataset", "seed")}


def _add_costs(board: dict[str, Any], records: list[dict[str, Any]]) -> None:
    """Efficiency figures the leaderboard row leaves out, for the efficiency table: forward
    FLOPs (and the token count they are for), adapter size on disk, training time and speed."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in records:
        if r["status"].get("status") == "ok":
            groups[(r["config"]["model"], r["config"]["method"])].append(r["efficiency"])
    for row in board["rows"]:
        eff = groups.get((row["model"], row["method"]), [])

        def med(key: str, eff: list[dict] = eff) -> float | None:
            vals = [e[key] for e in eff if isinstance(e.get(key), int | float)]
            return statistics.median(vals) if vals else None

        row["costs"] = {
            "flops": med("flops"),
            "flops_tokens": med("flops_tokens"),
            "adapter_bytes": med("adapter_bytes"),
            "train_seconds": med("train_seconds"),
            "tokens_per_second": med("tokens_per_second"),
            "prefill_ms": med("prefill_ms"),
            "memory_kind": sorted({str(e.get("memory_kind")) for e in eff if e.get("memory_kind")}),
            "device": sorted({str(e.get("device")) for e in eff if e.get("device")}),
        }


def environment(records: list[dict[str, Any]]) -> dict[str, Any]:
    """What the runs ran on: each provenance field with its distinct values and how many runs had
    each (more than one value means the runs are not from one environment), plus datasets and
    models with their fingerprints and sources, and wall times."""
    fields: dict[str, Counter] = defaultdict(Counter)
    packages: dict[str, Counter] = defaultdict(Counter)
    datasets: dict[str, dict[str, Any]] = {}
    models: dict[str, dict[str, Any]] = {}
    for r in records:
        prov = r.get("provenance") or {}
        for key, value in prov.items():
            if key == "packages" and isinstance(value, dict):
                for name, version in value.items():
                    packages[name][str(version)] += 1
            elif key == "dataset" and isinstance(value, dict):
                datasets.setdefault(str(value.get("name")), value)
            elif key == "model" and isinstance(value, dict):
                models.setdefault(str(r["config"].get("model")), value)
            elif not isinstance(value, dict | list) and key != "seed":
                fields[key][str(value)] += 1
    walls = [float(r["status"].get("wall_seconds") or 0.0) for r in records]
    starts = [r["status"]["started"] for r in records if r["status"].get("started")]
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
