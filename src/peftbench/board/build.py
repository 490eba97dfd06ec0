"""The board stage: typed records + scoring settings -> one frozen `Board`.

This is the one leaderboard builder: `run` (leaderboard.json/.md and report.html), `show`,
`report` (every format) and `compare` get their board here, so the same folder gives the same
numbers everywhere. Every part (row inputs, PSCP, sensitivity, profiles, limits, uncertainty,
costs) is computed by a function that returns it; the board is assembled once at the end and
never changed. Failed and damaged runs are listed, never scored; missing cells are named.

Baselines (methods registered with `baseline=True`: `frozen`, `full`) are reference rows: listed
after the PEFT methods, without PSCP, outside the ties and the sensitivity analysis. To add a
column, add its field to `board.model.Row` and compute it in `board.rows` (a record figure) or
here (a figure that needs every row of a model).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from peftbench.board.costs import costs_of
from peftbench.board.latency import reference_latencies
from peftbench.board.model import (
    SCHEMA_VERSION,
    BestSet,
    Board,
    Damage,
    DamagedFile,
    Failure,
    Formulas,
    LatencyReference,
    Limits,
    Outside,
    Row,
    RowKey,
    RowStats,
    Sensitivity,
    SensitivityForm,
    TieLabel,
    Top,
    Weights,
)
from peftbench.board.rows import row_inputs
from peftbench.board.selection import learning_rate_of
from peftbench.board.uncertainty import model_stats, uncertainty_info
from peftbench.config.schema import ScoringSettings
from peftbench.results.folder import ResultsFolder
from peftbench.results.record import RunRecord
from peftbench.scoring.constraints import Constraints, split_rows
from peftbench.scoring.profiles import matching_profile, tops
from peftbench.scoring.pscp import PAPER_FORMULA, SEED_FORMULA, add_pscp
from peftbench.scoring.sensitivity import sensitivity
from peftbench.scoring.task_metric import with_task_metric


def of_folder(
    folder: ResultsFolder,
    scoring: ScoringSettings | None = None,
    limits: Constraints | None = None,
) -> Board:
    """THE board of a results folder. `scoring` re-weights finished results (e.g. a PSCP
    profile: scoring/profiles.py); default: the folder's suite's. `limits`: also say which
    methods are within a user's limits (scoring/constraints.py)."""
    return build_board(
        folder.records,
        scoring or folder.scoring,
        expected=folder.expected or (),
        limits=limits,
        damaged_files=tuple(DamagedFile(d.file, d.reason) for d in folder.damaged_files),
        ignored=tuple(folder.ignored),
        notes=tuple(folder.notes),
    )


def build_board(
    records: Sequence[RunRecord],
    scoring: ScoringSettings,
    expected: Sequence[str] = (),
    limits: Constraints | None = None,
    damaged_files: Sequence[DamagedFile] = (),
    ignored: Sequence[str] = (),
    notes: Sequence[str] = (),
    uncertainty: bool = True,
) -> Board:
    """Rows from the ok records; expected run_ids without a record are named as missing.
    `uncertainty=False` leaves out the bootstrap parts (per-seed rows, which are not compared on
    their own)."""
    ok = [with_task_metric(r, scoring.task_metric) for r in records if r.ok]
    datasets = sorted({r.dataset for r in ok})
    references = reference_latencies(ok)
    inputs = scored_inputs(ok, datasets, references, scoring)
    latency_reference = {m: LatencyReference(**ref) for m, ref in references.items()}
    stats: Mapping[tuple[str, str], RowStats] = {}
    info = None
    if uncertainty:
        stats, refs = model_stats(inputs, ok, scoring, latency_reference)
        info = uncertainty_info(refs, ok)
    groups = _groups(ok)
    rows = tuple(
        freeze_row(row, stats.get((row["model"], row["method"])), info, groups[_key(row)])
        for row in inputs
    )
    present = {r.run_id for r in records}
    return Board(
        schema_version=SCHEMA_VERSION,
        datasets=tuple(datasets),
        rows=rows,
        failed=failures(records),
        damaged=damages(records),
        damaged_files=tuple(damaged_files),
        missing=tuple(rid for rid in expected if rid not in present),
        ignored=tuple(ignored),
        notes=tuple(notes),
        formulas=Formulas(pscp=SEED_FORMULA, pscp_paper=PAPER_FORMULA),
        scoring=Weights(pscp=vars(scoring.pscp), pscp_paper=vars(scoring.pscp_paper)),
        task_metric=scoring.task_metric,
        sensitivity=sensitivities(inputs, scoring),
        latency_reference=latency_reference,
        # which named weight profile ranks this board (None: the suite's own weights), and the
        # top method of each model under every profile, side by side (baselines do not compete)
        profile=matching_profile(scoring),
        profiles=profile_tops(inputs, scoring),
        constraints=within_limits(inputs, limits),
        uncertainty=info,
    )


def _key(row: Mapping[str, Any]) -> tuple[str, str]:
    return (row["model"], row["method"])


def _groups(ok: Sequence[RunRecord]) -> dict[tuple[str, str], list[RunRecord]]:
    groups: dict[tuple[str, str], list[RunRecord]] = defaultdict(list)
    for r in ok:
        groups[(r.model, r.method)].append(r)
    return groups


def scored_inputs(
    ok: Sequence[RunRecord],
    datasets: Sequence[str],
    references: Mapping[str, dict[str, Any]],
    scoring: ScoringSettings,
) -> list[dict[str, Any]]:
    """Every row's inputs with both PSCP forms (maxima over the rows of the same model), in board
    order: per model, the PEFT methods by PSCP, then a method missing a dataset (its mean is over
    fewer tasks, so its place among them would mean nothing), then the baselines."""
    rows = [
        row_inputs(model, method, runs, datasets, references.get(model))
        for (model, method), runs in _groups(ok).items()
    ]
    for model in {r["model"] for r in rows}:
        add_pscp([r for r in rows if r["model"] == model], scoring.pscp, scoring.pscp_paper)
    rows.sort(
        key=lambda r: (
            r["model"],
            r["baseline"],
            not r["complete"],
            -(r["pscp"] or 0.0),
            r["method"],
        )
    )
    return rows


def _label(mark: Any) -> TieLabel:
    if mark is None or not mark.tied:
        return None
    return "best" if mark.is_best else "tie"


def freeze_row(
    row: Mapping[str, Any], s: RowStats | None, info: Any, runs: Sequence[RunRecord]
) -> Row:
    """The frozen row: its inputs and PSCP, its uncertainty columns (from `s`; empty without
    per-item data) and its costs."""
    ties = {d: _label(t) for d, t in s.ties.items()} if s else {}
    tie = _label(s.score_tie) if s else None
    pscp_tie = _label(s.pscp_ties.get("pscp")) if s else None
    pscp_paper_tie = _label(s.pscp_ties.get("pscp_paper")) if s else None
    return Row(
        **row,
        reference=info.references.get(row["model"]) if info else None,
        scores_ci={d: (iv.low, iv.high) if iv else None for d, iv in s.intervals.items()}
        if s
        else {},
        score_ci=(s.score_interval.low, s.score_interval.high) if s and s.score_interval else None,
        ties=ties,
        tie=tie,
        pscp_tie=pscp_tie,
        pscp_paper_tie=pscp_paper_tie,
        pscp_rank=s.pscp_ranks.get("pscp") if s else None,
        pscp_paper_rank=s.pscp_ranks.get("pscp_paper") if s else None,
        best_set=BestSet(
            score=tie is not None,
            scores={d: t is not None for d, t in ties.items()},
            pscp=pscp_tie is not None,
            pscp_paper=pscp_paper_tie is not None,
        ),
        vs_reference=s.vs_reference if s else None,
        stats=s,
        costs=costs_of(runs),
        learning_rate=learning_rate_of(runs),
    )


def failures(records: Sequence[RunRecord]) -> tuple[Failure, ...]:
    return tuple(
        Failure(r.run_id, r.error, r.method, r.dataset, r.seed)
        for r in records
        if r.state == "failed"
    )


def damages(records: Sequence[RunRecord]) -> tuple[Damage, ...]:
    return tuple(
        Damage(r.run_id, r.damage.file, r.damage.reason, r.method, r.dataset, r.seed)
        for r in records
        if r.damage is not None
    )


def sensitivities(
    rows: Sequence[dict[str, Any]], scoring: ScoringSettings
) -> dict[str, Sensitivity]:
    """Per model (the PSCP comparison of the PEFT methods): does the top survive other weights?"""
    out = {}
    for model in sorted({r["model"] for r in rows}):
        mine = [r for r in rows if r["model"] == model]
        result = sensitivity(mine, scoring.pscp, scoring.pscp_paper)
        out[model] = Sensitivity(pscp=_form(result["pscp"]), pscp_paper=_form(result["pscp_paper"]))
    return out


def _form(d: Mapping[str, Any]) -> SensitivityForm:
    return SensitivityForm(
        varied=tuple(d["varied"]),
        values=tuple(d["values"]),
        settings=dict(d["settings"]),
        default_top=d["default_top"],
        tops=dict(d["tops"]),
        top_changes=d["top_changes"],
        table=tuple(d["table"]),
        formula=d.get("formula"),
        retention=_form(d["retention"]) if "retention" in d else None,
    )


def profile_tops(
    rows: Sequence[dict[str, Any]], scoring: ScoringSettings
) -> dict[str, dict[str, Top]]:
    found = tops(list(rows), scoring, contestant=lambda r: not r.get("baseline") and r["complete"])
    return {
        model: {name: Top(**t) for name, t in by_profile.items()}
        for model, by_profile in found.items()
    }


def within_limits(rows: Sequence[dict[str, Any]], limits: Constraints | None) -> Limits | None:
    """The rows within `limits`, in board order (PSCP as on the full board), and the others
    with the figures that put them outside; None without active limits."""
    if limits is None or not limits.active:
        return None
    kept, dropped = split_rows(list(rows), limits)
    return Limits(
        limits=limits.to_dict(),
        described=limits.describe(),
        within=tuple(RowKey(r["model"], r["method"]) for r in kept),
        outside=tuple(Outside(r["model"], r["method"], tuple(why)) for r, why in dropped),
    )


__all__ = ["build_board", "of_folder"]
