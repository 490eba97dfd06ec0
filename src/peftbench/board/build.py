"""The board stage: typed records + scoring settings -> one frozen `Board`.

This is the one leaderboard builder: `run` (leaderboard.json/.md and report.html), `show`,
`report` (every format) and `compare` get their board here, so the same folder gives the same
numbers everywhere. Every part (row inputs, PSCP, sensitivity, profiles, limits, uncertainty,
costs) is computed by a function that returns it; the board is assembled once at the end and
never changed. Failed and damaged runs are listed, never scored; missing cells are named.

Baselines (methods registered with `baseline=True`: `frozen`, `full`) are reference rows: listed
after the PEFT methods, without PSCP, outside the rankings and the sensitivity analysis. To add a
column, add its field to `board.model.Row` and compute it in `board.rows` (a record figure) or
here (a figure that needs every row of a model).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import get_args

from peftbench.board.costs import costs_of
from peftbench.board.inputs import RowInputs
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
    LeftOutTerm,
    Limits,
    Outside,
    Pair,
    Row,
    RowKey,
    Sensitivity,
    SensitivityForm,
    Top,
    Uncertainty,
    Weights,
)
from peftbench.board.rows import row_inputs
from peftbench.board.selection import learning_rate_of
from peftbench.board.uncertainty import ModelUncertainty, model_stats, row_noise, uncertainty_info
from peftbench.config.schema import PscpPaperSettings, PscpSeedSettings, ScoringSettings
from peftbench.json_types import JSONValue
from peftbench.results.folder import ResultsFolder
from peftbench.results.record import RunRecord
from peftbench.scoring.best_set import WeightCall
from peftbench.scoring.comparison import MethodStats
from peftbench.scoring.constraints import Constraints, split_rows
from peftbench.scoring.profiles import PROFILES, matching_profile, tops
from peftbench.scoring.pscp import PAPER_FORMULA, SEED_FORMULA, Figures, left_out, pscp_values
from peftbench.scoring.sensitivity import Table, sensitivity
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
    latency_reference = reference_latencies(ok)
    inputs = scored_inputs(ok, datasets, latency_reference, scoring)
    models: Mapping[str, ModelUncertainty] = {}
    info = None
    if uncertainty:
        models, refs = model_stats(inputs, ok, scoring, latency_reference)
        info = uncertainty_info(refs, ok)
    groups = _groups(ok)
    rows = tuple(
        freeze_row(row, models.get(row["model"]), info, groups[_key(row)]) for row in inputs
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
        sensitivity=sensitivities(inputs, scoring, models),
        latency_reference=latency_reference,
        # which named weight profile ranks this board (None: the suite's own weights), and the
        # top method of each model under every profile, side by side (baselines do not compete)
        profile=matching_profile(scoring),
        profiles=profile_tops(inputs, scoring, models),
        constraints=within_limits(inputs, limits),
        uncertainty=info,
        pscp_left_out=left_out_terms(inputs),
        rankings={m: u.rankings() for m, u in models.items()},
    )


def _key(row: RowInputs) -> tuple[str, str]:
    return (row["model"], row["method"])


def _groups(ok: Sequence[RunRecord]) -> dict[tuple[str, str], list[RunRecord]]:
    groups: dict[tuple[str, str], list[RunRecord]] = defaultdict(list)
    for r in ok:
        groups[(r.model, r.method)].append(r)
    return groups


def scored_inputs(
    ok: Sequence[RunRecord],
    datasets: Sequence[str],
    references: Mapping[str, LatencyReference],
    scoring: ScoringSettings,
) -> list[RowInputs]:
    """Every row's inputs with both PSCP forms (maxima over the rows of the same model), in board
    order: per model, the PEFT methods by PSCP, then a method missing a dataset (its mean is over
    fewer tasks, so its place among them would mean nothing), then the baselines."""
    rows = [
        row_inputs(model, method, runs, datasets, references.get(model))
        for (model, method), runs in _groups(ok).items()
    ]
    for model in {r["model"] for r in rows}:
        mine = [r for r in rows if r["model"] == model]
        for r, values in zip(
            mine, pscp_values(mine, scoring.pscp, scoring.pscp_paper), strict=True
        ):
            r["pscp"], r["pscp_paper"] = values["pscp"], values["pscp_paper"]
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


def freeze_row(
    row: RowInputs,
    u: ModelUncertainty | None,
    info: Uncertainty | None,
    runs: Sequence[RunRecord],
) -> Row:
    """The frozen row: its inputs and PSCP, its uncertainty columns (from its model's
    comparison `u`; empty without per-item data) and its costs."""
    s = u.comparison.methods.get(row["method"]) if u else None
    stats = u.stats(row["method"]) if u else None
    return Row(
        **row,
        reference=info.references.get(row["model"]) if info else None,
        scores_ci={d: (iv.low, iv.high) if iv else None for d, iv in s.intervals.items()}
        if s
        else {},
        score_ci=_average_interval(row, s),
        ranks=dict(s.ranks) if s else {},
        score_rank=s.score_rank if s else None,
        pscp_rank=s.pscp_ranks.get("pscp") if s else None,
        pscp_paper_rank=s.pscp_ranks.get("pscp_paper") if s else None,
        best_set=BestSet(
            score=s.score_best if s else False,
            scores=dict(s.best) if s else {},
            pscp=s.pscp_best.get("pscp", False) if s else False,
            pscp_paper=s.pscp_best.get("pscp_paper", False) if s else False,
        ),
        vs_reference=stats.vs_reference if stats else None,
        noise=row_noise(s.seeds) if s else None,
        stats=stats,
        costs=costs_of(runs),
        learning_rate=learning_rate_of(runs),
    )


def left_out_terms(rows: Sequence[RowInputs]) -> dict[str, tuple[LeftOutTerm, ...]]:
    """Per model, the PSCP terms its comparison left out (scoring.pscp.left_out): a contestant's
    records lack the figure. Models whose PSCP has every term are not listed."""
    out: dict[str, tuple[LeftOutTerm, ...]] = {}
    for model in sorted({r["model"] for r in rows}):
        terms = left_out([r for r in rows if r["model"] == model])
        if terms:
            out[model] = tuple(t for t in get_args(LeftOutTerm) if t in terms)
    return out


def _average_interval(row: RowInputs, s: MethodStats | None) -> Pair | None:
    """The average's interval, only when every dataset of the row has its items (else it would
    be the interval of an average over fewer datasets than the row's score)."""
    if s is None or s.score_interval is None:
        return None
    ran = [d for d, v in row["scores"].items() if v is not None]
    if not all(s.intervals.get(d) is not None for d in ran):
        return None
    return (s.score_interval.low, s.score_interval.high)


def failures(records: Sequence[RunRecord]) -> tuple[Failure, ...]:
    return tuple(
        Failure(r.run_id, r.error, r.model, r.method, r.dataset, r.seed)
        for r in records
        if r.state == "failed"
    )


def damages(records: Sequence[RunRecord]) -> tuple[Damage, ...]:
    return tuple(
        Damage(r.run_id, r.damage.file, r.damage.reason, r.method, r.dataset, r.seed)
        for r in records
        if r.damage is not None
    )


Weighing = tuple[PscpSeedSettings, PscpPaperSettings]


def sensitivities(
    rows: Sequence[RowInputs],
    scoring: ScoringSettings,
    models: Mapping[str, ModelUncertainty],
) -> dict[str, Sensitivity]:
    """Per model (the PSCP comparison of the PEFT methods): does the top survive other weights,
    and is each weight setting's top call inside the noise (its 95 % best set has others)?"""
    out = {}
    for model in sorted({r["model"] for r in rows}):
        mine = [r for r in rows if r["model"] == model]
        result = sensitivity(mine, scoring.pscp, scoring.pscp_paper)
        u = models.get(model)
        out[model] = Sensitivity(
            pscp=_form(result["pscp"], u, "pscp", scoring),
            pscp_paper=_form(result["pscp_paper"], u, "pscp_paper", scoring),
        )
    return out


def _weighing(entry: Mapping[str, JSONValue], form: str, scoring: ScoringSettings) -> Weighing:
    """The (seed, paper) settings of one sensitivity-table entry: its varied weights (numbers)
    over the suite's."""
    settings = scoring.pscp if form == "pscp" else scoring.pscp_paper
    varied = {
        k: float(v) for k, v in entry.items() if hasattr(settings, k) and isinstance(v, int | float)
    }
    if form == "pscp":
        return dataclasses.replace(scoring.pscp, **varied), scoring.pscp_paper
    return scoring.pscp, dataclasses.replace(scoring.pscp_paper, **varied)


def _form(
    d: Table,
    u: ModelUncertainty | None,
    form: str,
    scoring: ScoringSettings,
) -> SensitivityForm:
    table = [dict(e) for e in d["table"]]
    calls: dict[str, WeightCall] = {}
    if u is not None and table:
        weights = {str(i): _weighing(e, form, scoring) for i, e in enumerate(table)}
        calls = u.weight_calls(weights, form)
    for i, e in enumerate(table):
        call = calls.get(str(i))
        if call is not None:
            best_set: list[JSONValue] = list(call.best_set)
            e["best_set"] = best_set
            e["inside_noise"] = call.inside_noise
    firm = {e["top"] for e in table if "inside_noise" in e and not e["inside_noise"]}
    return SensitivityForm(
        varied=tuple(d["varied"]),
        values=tuple(d["values"]),
        settings=dict(d["settings"]),
        default_top=d["default_top"],
        # a comparison without contestants counts its 27 empty calls under None, written "None"
        tops={str(top): n for top, n in d["tops"].items()},
        top_changes=d["top_changes"],
        table=tuple(table),
        inside_noise=sum(bool(e["inside_noise"]) for e in table if "inside_noise" in e)
        if calls
        else None,
        top_changes_beyond_noise=len(firm) > 1 if calls else None,
        formula=d.get("formula"),
        retention=_form(d["retention"], u, form, scoring) if "retention" in d else None,
    )


def _contestant(row: Figures) -> bool:
    """May the row win under a profile: a PEFT method with every dataset."""
    return not row.get("baseline") and row.get("complete") is True


def profile_tops(
    rows: Sequence[RowInputs],
    scoring: ScoringSettings,
    models: Mapping[str, ModelUncertainty],
) -> dict[str, dict[str, Top]]:
    """The top method of each model under every profile, with that profile's 95 % best set."""
    found = tops(rows, scoring, contestant=_contestant)
    out: dict[str, dict[str, Top]] = {}
    for model, by_profile in found.items():
        u = models.get(model)
        weights = {
            name: (p.apply(scoring).pscp, p.apply(scoring).pscp_paper)
            for name, p in PROFILES.items()
        }
        seed = u.weight_calls(weights, "pscp") if u else {}
        paper = u.weight_calls(weights, "pscp_paper") if u else {}
        out[model] = {
            name: Top(
                pscp=t["pscp"],
                pscp_paper=t["pscp_paper"],
                pscp_best_set=tuple(seed[name].best_set) if name in seed else None,
                pscp_paper_best_set=tuple(paper[name].best_set) if name in paper else None,
            )
            for name, t in by_profile.items()
        }
    return out


def within_limits(rows: Sequence[RowInputs], limits: Constraints | None) -> Limits | None:
    """The rows within `limits`, in board order (PSCP as on the full board), and the others
    with the figures that put them outside; None without active limits."""
    if limits is None or not limits.active:
        return None
    kept, dropped = split_rows(rows, limits)
    return Limits(
        limits=limits.to_dict(),
        described=limits.describe(),
        within=tuple(RowKey(r["model"], r["method"]) for r in kept),
        outside=tuple(Outside(r["model"], r["method"], tuple(why)) for r, why in dropped),
    )


__all__ = ["build_board", "of_folder"]
