"""The leaderboard: one row per (model, method), per-task scores, costs and PSCP.

Row inputs, defined here once: S = mean task score over the row's datasets (and seeds);
P = trainable parameters; L = the model's reference base latency (median of every run's base
figure in the grid) x (1 + the row's paired slowdown, pooled over its runs), in ms/token
(efficiency/paired.py; docs/measurements.md); M = largest peak training memory over its runs;
F = mean extra TFLOPs. PSCP maxima are over the rows of the same model. Failed and damaged runs
are listed, never dropped or scored; missing cells are named.

Baselines (methods registered with `baseline=True`: `frozen`, `full`) are reference rows: listed
after the PEFT methods, without PSCP, outside the ties and the sensitivity analysis. The
uncertainty columns (score intervals, ties with the best, "vs frozen") come from the runs'
per-item data through `reports.uncertainty.annotate`, called here.

This is the one leaderboard builder: `of_folder` gives the board of a results folder to `run`
(leaderboard.json/.md), `show`, `report` (every format) and `compare`. To add a column, add its
key in `_row` (from the typed record: results/record.py) and show it in `render` and in
reports/tables.py; per-model figures that need every row go after `add_pscp` in `build`.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from peftbench.config.schema import ScoringSettings
from peftbench.reports import tables
from peftbench.reports.latency import reference_latencies, row_latency
from peftbench.reports.text_table import fixed_width
from peftbench.reports.uncertainty import annotate, method_role
from peftbench.results.atomic import write_json, write_text
from peftbench.results.folder import ResultsFolder, read_folder
from peftbench.results.record import RunRecord
from peftbench.scoring.constraints import Constraints, split_rows
from peftbench.scoring.profiles import PROFILES, matching_profile, tops
from peftbench.scoring.pscp import PAPER_FORMULA, SEED_FORMULA, add_pscp
from peftbench.scoring.sensitivity import sensitivity, summary
from peftbench.scoring.task_metric import with_task_metric


def of_folder(
    folder: ResultsFolder,
    scoring: ScoringSettings | None = None,
    limits: Constraints | None = None,
) -> dict[str, Any]:
    """THE leaderboard of a results folder: what `run` writes and `show`, `report` (every
    format) and `compare` read. Extend `build`/`_row`, never add a second builder. `scoring`
    re-weights finished results (e.g. a PSCP profile: scoring/profiles.py); default: the
    folder's suite's. `limits`: also say which methods are within a user's limits
    (scoring/constraints.py)."""
    board = build(folder.records, scoring or folder.scoring, folder.expected or (), limits)
    board["damaged_files"] = [{"file": d.file, "reason": d.reason} for d in folder.damaged_files]
    board["ignored"] = list(folder.ignored)
    board["notes"] = list(folder.notes)
    return board


def write(root: Path) -> dict[str, Any]:
    """Build the folder's leaderboard and write leaderboard.json and leaderboard.md."""
    board = of_folder(read_folder(root))
    write_json(Path(root) / "leaderboard.json", board)
    write_text(Path(root) / "leaderboard.md", render(board) + "\n")
    return board


def _cell(r: RunRecord) -> dict[str, Any]:
    return {"method": r.method, "dataset": r.dataset, "seed": r.seed}


def build(
    records: Sequence[RunRecord],
    scoring: ScoringSettings,
    expected: Sequence[str] = (),
    limits: Constraints | None = None,
    uncertainty: bool = True,
) -> dict[str, Any]:
    """Rows from the ok records; failed and damaged ones are listed (with their cell), never
    scored; expected run_ids without a record are named as missing. `uncertainty=False` leaves
    out the bootstrap columns (per-seed rows, which are not compared on their own)."""
    ok = [with_task_metric(r, scoring.task_metric) for r in records if r.ok]
    present = {r.run_id for r in records}
    groups: dict[tuple[str, str], list[RunRecord]] = defaultdict(list)
    for r in ok:
        groups[(r.model, r.method)].append(r)
    datasets = sorted({r.dataset for r in ok})
    references = reference_latencies(ok)
    rows = [
        {**_row(model, method, runs, datasets), **row_latency(runs, references.get(model))}
        for (model, method), runs in groups.items()
    ]
    for model in {r["model"] for r in rows}:
        add_pscp([r for r in rows if r["model"] == model], scoring.pscp, scoring.pscp_paper)
    # baselines after the contestants, and a method missing a dataset after the complete ones:
    # its mean is over fewer tasks, so its place among them would mean nothing
    rows.sort(
        key=lambda r: (
            r["model"],
            r["baseline"],
            not r["complete"],
            -(r["pscp"] or 0.0),
            r["method"],
        )
    )
    # per model (the PSCP comparison of the PEFT methods): does the top survive other weights?
    sens = {
        model: sensitivity(
            [r for r in rows if r["model"] == model], scoring.pscp, scoring.pscp_paper
        )
        for model in sorted({r["model"] for r in rows})
    }
    board = {
        "datasets": datasets,
        "rows": rows,
        "failed": [
            {"run_id": r.run_id, "error": r.error, **_cell(r)}
            for r in records
            if r.state == "failed"
        ],
        "damaged": [
            {"run_id": r.run_id, "file": r.damage.file, "reason": r.damage.reason, **_cell(r)}
            for r in records
            if r.damage is not None
        ],
        "missing": [rid for rid in expected if rid not in present],
        "formulas": {"pscp": SEED_FORMULA, "pscp_paper": PAPER_FORMULA},
        "scoring": {"pscp": vars(scoring.pscp), "pscp_paper": vars(scoring.pscp_paper)},
        "task_metric": scoring.task_metric,
        "sensitivity": sens,
        "latency_reference": references,
        # which named weight profile ranks this board (None: the suite's own weights), and the
        # top method of each model under every profile, side by side (baselines do not compete)
        "profile": matching_profile(scoring),
        "profiles": tops(
            rows, scoring, contestant=lambda r: not r.get("baseline") and r["complete"]
        ),
    }
    if limits is not None and limits.active:
        board["constraints"] = constrained(rows, limits)
    if uncertainty:
        annotate(board, ok, scoring)
    return board


def constrained(rows: list[dict[str, Any]], limits: Constraints) -> dict[str, Any]:
    """The rows within `limits`, in leaderboard order (PSCP as on the full board), and the
    others with the figures that put them outside."""
    kept, dropped = split_rows(rows, limits)
    return {
        "limits": limits.to_dict(),
        "described": limits.describe(),
        "within": [{"model": r["model"], "method": r["method"]} for r in kept],
        "outside": [
            {"model": r["model"], "method": r["method"], "reasons": why} for r, why in dropped
        ],
    }


def _row(model: str, method: str, runs: list[RunRecord], datasets: list[str]) -> dict[str, Any]:
    per_task: dict[str, list[float]] = defaultdict(list)
    for r in runs:
        per_task[r.dataset].append(r.score)
    scores = {d: statistics.fmean(v) for d, v in per_task.items()}
    eff = [r.eff for r in runs]
    return {
        "model": model,
        "method": method,
        "baseline": method_role(method)[0],
        "scores": {d: scores.get(d) for d in datasets},
        "score": statistics.fmean(scores.values()),
        "complete": all(d in scores for d in datasets),
        "runs": len(runs),
        "trainable_params": max(e.trainable_params for e in eff),
        "trainable_pct": max(e.trainable_pct for e in eff),
        "peak_train_mem_mb": max(e.peak_train_mem_mb for e in eff),
        "extra_tflops": _mean_known([e.extra_tflops for e in eff]),
        "invalid_rate": statistics.fmean(r.metrics.invalid_rate for r in runs if r.metrics),
        "sources": sorted({r.source for r in runs}),  # "peftbench", or an import's format
        **_stability(runs),
    }


def _mean_known(values: list[float | None]) -> float | None:
    """The mean of the runs that measured a figure; None (missing, never 0) when none did."""
    known = [v for v in values if v is not None]
    return statistics.fmean(known) if known else None


def _stability(runs: list[RunRecord]) -> dict[str, Any]:
    """Retention and drift of a row (docs/measurements.md, Stability): means over the runs that
    measured them. The retention interval of several runs combines theirs as independent normal
    estimates: half-width = sqrt(sum h_i^2) / k for k runs with half-widths h_i."""
    measured = [r.stability for r in runs if r.stability is not None]
    kept = [s.retention for s in measured if s.retention is not None]
    drifts = [s.drift for s in measured if s.drift is not None]
    out: dict[str, Any] = {
        "retention_delta": None,
        "retention_ci95": None,
        "ppl_delta_pct": statistics.fmean(d["ppl_delta_pct"] for d in drifts) if drifts else None,
        "kl_mean": statistics.fmean(d["kl_mean"] for d in drifts) if drifts else None,
    }
    if kept:
        mean = statistics.fmean(float(k["delta"]) for k in kept)
        if len(kept) == 1:
            lo, hi = (float(x) for x in kept[0]["ci95"])
        else:
            half = math.sqrt(sum(((k["ci95"][1] - k["ci95"][0]) / 2) ** 2 for k in kept))
            lo, hi = mean - half / len(kept), mean + half / len(kept)
        out.update(retention_delta=mean, retention_ci95=[lo, hi])
    return out


def _params(n: int) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= size:
            return f"{n / size:.2f}{unit}"
    return str(n)


def _latency_note(board: dict[str, Any]) -> str:
    refs = [
        f"{model} {ref['ms_per_token']:.2f} ms/token (median of {ref['base_measurements']} base "
        "measurements)"
        for model, ref in board.get("latency_reference", {}).items()
        if ref.get("ms_per_token") is not None
    ]
    return (
        "ms/tok = reference base latency x (1 + paired slowdown); reference: "
        + ("; ".join(refs) or "none")
        + ". slowdown % = median per-pair ratio base vs method, interleaved in one process, "
        "± its 95 % interval; ! = interval wider than allowed (flagged, not hidden)"
    )


Column = tuple[str, Callable[[dict[str, Any]], str]]


def _task_cell(dataset: str) -> Callable[[dict[str, Any]], str]:
    return lambda r: tables.score_cell(r, dataset)


def columns(board: dict[str, Any]) -> list[Column]:
    """The text leaderboard's columns in order: (header, a row's cell). Add a column here."""
    per_task = [(d, _task_cell(d)) for d in board["datasets"]]
    return [
        ("model", lambda r: r["model"]),
        ("method", lambda r: r["method"] + ("" if r.get("complete", True) else " (partial)")),
        *per_task,
        ("avg", lambda r: tables.score_cell(r)),
        ("avg 95% CI", lambda r: tables.interval(r.get("score_ci"))),
        ("vs frozen", tables.vs_cell),
        ("params", lambda r: _params(r["trainable_params"])),
        ("params %", lambda r: f"{r['trainable_pct']:.3f}"),
        ("ms/tok", lambda r: tables.num(r["latency_ms_per_token"])),
        ("slowdown %", tables.slowdown_cell),
        ("train MiB", lambda r: f"{r['peak_train_mem_mb']:.0f}"),
        ("pscp", lambda r: tables.pscp_cell(r, "pscp")),
        ("pscp rank", lambda r: tables.rank_cell(r, "pscp_rank")),
        ("pscp_paper", lambda r: tables.pscp_cell(r, "pscp_paper")),
        ("Δ general [95% CI]", _retention_cell),
        ("Δ ppl %", _ppl_cell),
    ]


def _ppl_cell(row: dict[str, Any]) -> str:
    value = row.get("ppl_delta_pct")
    return "-" if value is None else f"{value:+.1f}"


def _retention_cell(row: dict[str, Any]) -> str:
    delta, ci = row.get("retention_delta"), row.get("retention_ci95")
    if delta is None:
        return "-"
    return f"{delta:+.1f}" + (f" [{ci[0]:+.1f}, {ci[1]:+.1f}]" if ci else "")


def render(board: dict[str, Any]) -> str:
    """Fixed-width text table (also valid Markdown), then what a reader must know about it. The
    PEFT methods come first, ranked by PSCP; the baselines follow under a divider row."""
    cols = columns(board)
    rows = []
    divider = False
    for r in shown_rows(board):
        if r.get("baseline") and not divider:
            rows.append(["", tables.BASELINES] + [""] * (len(cols) - 2))
            divider = True
        rows.append([cell(r) for _, cell in cols])
    out = [
        *constraint_lines(board),
        fixed_width([head for head, _ in cols], rows, markdown=True),
        "",
        _latency_note(board),
        *left_out_lines(board),
        f"PEFT methods sorted by pscp ({weights_name(board)}); {board['formulas']['pscp']} "
        f"(weights {board['scoring']['pscp']}); {board['formulas']['pscp_paper']} "
        f"(constants {board['scoring']['pscp_paper']})",
        "task scores: "
        + (
            "PEFT-Bench's metric per dataset (scoring.task_metric: paper)"
            if board.get("task_metric") == "paper"
            else "each dataset's official metric (scoring.task_metric: official)"
        ),
        *tables.uncertainty_notes(board),
    ]
    for model, result in board.get("sensitivity", {}).items():
        out += [f"{model}: {line}" for line in summary(result).splitlines()]
    out += profile_lines(board)
    for f in board["failed"]:
        out.append(f"FAILED {f['run_id']}: {f['error']}")
    for d in board.get("damaged", []):
        out.append(f"DAMAGED {d['run_id']}: {d['file']}: {d['reason']}")
    for d in board.get("damaged_files", []):
        out.append(f"DAMAGED {d['file']}: {d['reason']}")
    if board.get("ignored"):
        out.append(
            f"{len(board['ignored'])} run(s) in the folder not asked for by its last invocation: "
            "left out"
        )
    out += [f"note: {n}" for n in board.get("notes", [])]
    if board["missing"]:
        out.append(f"missing {len(board['missing'])} run(s): {', '.join(board['missing'])}")
    return "\n".join(out)


def left_out_lines(board: dict[str, Any]) -> list[str]:
    """Per model, the PSCP terms left out because its records lack the figure (imported ones),
    and how imported rows' intervals and ties were made."""
    out = []
    imported = sorted({s for r in board["rows"] for s in r.get("sources", [])} - {"peftbench"})
    if imported:
        out.append(
            f"imported records ({', '.join(imported)}) carry each run's accuracy and test-set "
            "size, not per-item scores: their intervals are bootstraps of that count, and their "
            "ties (= *) are unpaired (conservative: the runs scored the same test items)"
        )
    for model in sorted({r["model"] for r in board["rows"]}):
        terms = next(
            (
                r["pscp_left_out"]
                for r in board["rows"]
                if r["model"] == model and r.get("pscp_left_out")
            ),
            None,
        )
        if terms:
            out.append(
                f"{model}: pscp and pscp_paper computed without {', '.join(terms)}: not in its "
                "records (imported results that never measured them; shown as -, never 0)"
            )
    return out


def weights_name(board: dict[str, Any]) -> str:
    name = board.get("profile")
    return f"profile {name}" if name else "the suite's own weights"


def shown_rows(board: dict[str, Any]) -> list[dict[str, Any]]:
    """Every row, or only those within the user's limits when the board has limits."""
    cons = board.get("constraints")
    if not cons:
        return list(board["rows"])
    within = {(c["model"], c["method"]) for c in cons["within"]}
    return [r for r in board["rows"] if (r["model"], r["method"]) in within]


def constraint_lines(board: dict[str, Any]) -> list[str]:
    cons = board.get("constraints")
    if not cons:
        return []
    n = len(cons["within"])
    head = f"methods within your limits ({cons['described']}): {n} of {len(board['rows'])}"
    if not n:
        head += " -- none; relax a limit"
    return [head, ""]


def profile_lines(board: dict[str, Any]) -> list[str]:
    """Where each method outside the limits fails, and the top method under every profile."""
    out = []
    cons = board.get("constraints")
    for c in (cons or {}).get("outside", []):
        out.append(f"outside the limits: {c['model']} {c['method']}: {', '.join(c['reasons'])}")
    for model, by_profile in board.get("profiles", {}).items():
        if all(t["pscp"] is None for t in by_profile.values()):
            continue  # baselines only: no method competes, so no profile has a top
        cells = [
            f"{name} {tops['pscp']}"
            + (f"/{tops['pscp_paper']}" if tops["pscp_paper"] != tops["pscp"] else "")
            for name, tops in by_profile.items()
            if name in PROFILES
        ]
        out.append(f"{model}: top method by profile (pscp/pscp_paper): {'; '.join(cells)}")
    return out
