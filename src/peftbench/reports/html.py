"""The HTML report: one self-contained file that opens offline.

Rendered from the Jinja2 template `templates/report.html.j2` with autoescaping, so every value
from a record (a method name, an error message, a dataset source) is escaped by the template
engine, not by hand. What is inserted as markup is made here and marked safe explicitly: the
inline SVG figures (drawn by `svg.py`, which escapes its own text), the style sheet, the sorting
script and the embedded report data (JSON, with '</' broken up).

Styles, the table-sorting script and every figure (inline SVG) live in the file itself; it loads
nothing and links nowhere, so it can be mailed, archived with the results, or opened on a machine
with no network. Sections: summary, leaderboard (click a header to sort; baselines stay in their
own reference block below the PEFT methods), Pareto fronts, PSCP bars, heat map, seed spread and
stability, PSCP sensitivity, efficiency, failed/missing runs, environment.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, TypedDict

from peftbench.reports import escape, figures, retention, svg, tables
from peftbench.reports.assets import CSS, SORT_JS

if TYPE_CHECKING:
    from jinja2 import Environment
    from markupsafe import Markup

    from peftbench.board.model import Ranks, Row
    from peftbench.reports.collect import EnvironmentView, ReportData, ReportView
    from peftbench.reports.seeds import SeedRowStats
    from peftbench.reports.stats import SeedSummaryJSON

SECTIONS = (
    ("leaderboard", "Leaderboard"),
    ("pareto", "Pareto fronts"),
    ("pscp", "PSCP"),
    ("heatmap", "Heat map"),
    ("seeds", "Seed spread"),
    ("sensitivity", "PSCP sensitivity"),
    ("retention", "Stability: retention and learning"),
    ("efficiency", "Efficiency"),
    ("problems", "Failed and missing"),
    ("environment", "Environment"),
)


TEMPLATE = "report.html.j2"


class Cell(TypedDict):
    """A table cell of the template: its text, and `v`, the value a click on the header sorts
    by (the text when none is given)."""

    text: str
    v: str | float
    cls: str
    title: str
    colspan: int


class HeadCell(TypedDict):
    text: str
    cls: str


class RowView(TypedDict):
    cls: str
    cells: list[Cell]


class Group(TypedDict):
    """A block of rows (the PEFT methods; the baselines under their `label`)."""

    cls: str
    label: str | None
    rows: list[RowView]


class LeaderboardView(TypedDict):
    head: list[HeadCell]
    groups: list[Group]
    notes: list[str]


class TableView(LeaderboardView):
    title: str
    count: int


class EnvView(TypedDict):
    mixed: str
    fields: TableView
    datasets: TableView | None
    models: TableView | None
    wall: str
    when: str


class SensitivityView(TypedDict):
    summary: TableView
    full: list[TableView]
    changes: str


class RetentionView(TypedDict):
    plot: Markup | None
    table: TableView | None
    curves: list[tuple[str, Markup]]
    curve_table: TableView | None


def _environment() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("peftbench.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=False,
        finalize=_visible,
    )


def _visible(value: object) -> object:
    """Every plain string the template prints: control characters made visible
    (reports/escape.py) before autoescape; markup built here (figures) is left as it is."""
    from markupsafe import Markup

    if isinstance(value, str) and not isinstance(value, Markup):
        return escape.terminal(value)
    return value


def _cell(
    text: str, value: str | float | None = None, cls: str = "", title: str = "", colspan: int = 0
) -> Cell:
    return {
        "text": text,
        "v": text if value is None else value,
        "cls": cls,
        "title": title,
        "colspan": colspan,
    }


def table_view(t: tables.Table) -> TableView:
    """A `tables.Table` as the template's table: header cells, one row group, notes."""
    text_cols = {i for i, _ in enumerate(t.header) if not tables.numeric_column(t, i)}
    head: list[HeadCell] = [
        {"text": h, "cls": "text" if i in text_cols else ""} for i, h in enumerate(t.header)
    ]
    rows: list[RowView] = [
        {
            "cls": "",
            "cells": [_cell(c, cls="text" if i in text_cols else "") for i, c in enumerate(r)],
        }
        for r in t.rows
    ]
    return {
        "head": head,
        "groups": [{"cls": "", "label": None, "rows": rows}],
        "notes": t.notes,
        "title": t.title,
        "count": len(t.rows),
    }


def _seed_tip(s: SeedSummaryJSON | None) -> str:
    if not s:
        return ""
    tip = f"seeds: {', '.join(f'{v:.2f}' for v in s['values'])}"
    if s["ci_low"] is not None:
        tip += f"; mean ± std {tables.mean_std(s, 2)}"
    return tip


def _score_cells(r: Row, datasets: Sequence[str], stats: SeedRowStats | None) -> list[Cell]:
    cells = []
    for d in datasets:
        score = r.scores.get(d)
        ci = r.scores_ci.get(d)
        tip = f"95% interval {tables.interval(ci, 2)}" if ci else "no per-item data: no interval"
        ranks = r.ranks.get(d)
        tip += f"; rank {ranks[0]}-{ranks[1]} (simultaneous 95 %)" if ranks else ""
        tip += f"; {r.noise}" if r.noise else ""
        seeds = _seed_tip(stats["datasets"].get(d) if stats else None)
        tip += f"; {seeds}" if seeds else ""
        cells.append(
            _cell(
                tables.score_cell(r, d),
                score if score is not None else -1,
                "best" if r.best_set.scores.get(d) else "",
                tip,
            )
        )
    return cells


def _best(r: Row, key: tables.Form | Literal["score"]) -> str:
    """The cell class of a mark in the confidence set for the best."""
    return "best" if tables.best(r, key) else ""


def _rank(ranks: Ranks | None) -> float:
    return float(ranks[0]) if ranks else 1e9


def _row_cells(
    r: Row, datasets: Sequence[str], stats: SeedRowStats | None, multi: bool, lr: bool
) -> list[Cell]:
    """One leaderboard row's cells, in the order of `leaderboard_view`'s header (`stats`: the
    row's scores over seeds)."""
    cells = [_cell(r.model, cls="text")] if multi else []
    status = "" if r.complete else " (partial)"
    cells.append(_cell(r.method + status, r.method, "text"))
    if lr:
        chosen = r.learning_rate.chosen if r.learning_rate else {}
        cells.append(_cell(tables.lr_cell(r), min(chosen.values(), default=0)))
    cells += _score_cells(r, datasets, stats)
    ci = r.score_ci
    vs = r.vs_reference
    cells += [
        _cell(tables.score_cell(r), r.score, _best(r, "score"), r.noise or ""),
        _cell(tables.interval(ci), (ci[1] - ci[0]) / 2 if ci else -1),
        _cell(tables.rank_cell(r.score_rank), _rank(r.score_rank)),
        _cell(tables.vs_cell(r), vs.estimate if vs else -1e9),
        _cell(tables.params(r.trainable_params), r.trainable_params),
        _cell(f"{r.trainable_pct:.3f}", r.trainable_pct),
        _cell(tables.num(r.latency_ms_per_token, 2), _or(r.latency_ms_per_token)),
        _cell(tables.slowdown_cell(r), _or(r.slowdown_pct)),
        _cell(f"{r.peak_train_mem_mb:.0f}", r.peak_train_mem_mb),
        _cell(
            tables.sig(None if r.extra_tflops is None else r.extra_tflops * 1e3),
            _or(r.extra_tflops),
        ),
        _cell(tables.pscp_cell(r, "pscp"), _or(r.pscp), _best(r, "pscp")),
        _cell(tables.rank_cell(r.pscp_rank), _rank(r.pscp_rank)),
        _cell(tables.pscp_cell(r, "pscp_paper"), _or(r.pscp_paper), _best(r, "pscp_paper")),
        _cell(str(r.runs), r.runs),
    ]
    return cells


def leaderboard_view(data: ReportData) -> LeaderboardView:
    """Every leaderboard column, sortable within its block: the PEFT methods first, then the
    baselines in a reference block of their own; scores carry their interval and best-set mark."""
    board = data.board
    stats = {(s["model"], s["method"]): s for s in data.view["seeds"]["rows"]}
    multi = len({r.model for r in board.rows}) > 1
    lr = tables.searched(board)
    names = (["model"] if multi else []) + ["method", *(["lr (search)"] if lr else [])]
    names += [*board.datasets, "avg", "avg 95% CI"]
    names += ["rank", "vs frozen", "params", "params %", "ms/tok", "slowdown %", "train MiB"]
    names += ["extra GFLOPs", "PSCP", "PSCP rank", "PSCP paper", "runs"]
    head: list[HeadCell] = [
        {"text": h, "cls": "text" if h in ("model", "method") else ""} for h in names
    ]
    peft: list[RowView] = []
    refs: list[RowView] = []
    for r in board.rows:
        cells = _row_cells(r, board.datasets, stats.get((r.model, r.method)), multi, lr)
        (refs if r.baseline else peft).append({"cls": "", "cells": cells})
    for f in board.failed:
        model = [_cell(f.model, cls="text")] if multi else []
        detail = f"{f.dataset} seed {f.seed}: {f.error}"
        span = len(head) - 1 - len(model)
        peft.append(
            {
                "cls": "failed",
                "cells": [
                    *model,
                    _cell(f"{f.method} FAILED", "~", "text"),
                    _cell(detail, "~", "text", colspan=span),
                ],
            }
        )
    groups: list[Group] = [{"cls": "", "label": None, "rows": peft}]
    if refs:
        groups.append({"cls": "reference", "label": tables.BASELINES, "rows": refs})
    return {"head": head, "groups": groups, "notes": tables.main_table(data).notes}


def _or(value: float | None) -> float:
    return -1e9 if value is None else value


def _alerts(view: ReportView) -> list[dict[str, str]]:
    counts = view["counts"]
    out = []
    if counts["failed"]:
        out.append(
            {"cls": "bad", "text": f"{counts['failed']} run(s) failed: see Failed and missing."}
        )
    if counts["damaged"]:
        out.append(
            {
                "cls": "bad",
                "text": f"{counts['damaged']} damaged record(s) left out: see Failed and missing.",
            }
        )
    if counts["missing"]:
        out.append(
            {
                "cls": "warn",
                "text": f"Partial grid: {counts['missing']} run(s) of the suite are missing; "
                "rows marked (partial) lack datasets.",
            }
        )
    if view["ignored"]:
        out.append(
            {
                "cls": "note",
                "text": f"{len(view['ignored'])} run folder(s) not in the current suite were "
                "left out.",
            }
        )
    for note in view["notes"]:
        out.append({"cls": "warn", "text": f"{note}."})
    return out


def _values(vals: dict[str, int]) -> str:
    return "; ".join(f"{v} ({n} runs)" if len(vals) > 1 else v for v, n in vals.items())


def environment_view(env: EnvironmentView) -> EnvView:
    rows = [[k, _values(vals)] for k, vals in env["fields"].items()]
    rows += [[f"package {k}", _values(vals)] for k, vals in env["packages"].items()]
    ds_head = ["dataset", "source", "version", "train", "eval", "train fingerprint"]
    ds_head.append("eval fingerprint")
    ds_keys = ("source", "version", "train_examples", "eval_examples", "train_fingerprint")
    ds_rows = [
        [name, *(str(d.get(k, "")) for k in (*ds_keys, "eval_fingerprint"))]
        for name, d in sorted(env["datasets"].items())
    ]
    m_rows = [
        [name, ", ".join(f"{k}={v}" for k, v in m.items())]
        for name, m in sorted(env["models"].items())
    ]
    when = ""
    first, last = env["first_start"], env["last_start"]
    if first and last is not None:
        first_at = dt.datetime.fromtimestamp(first, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        last_at = dt.datetime.fromtimestamp(last, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        when = f"; runs started between {first_at} and {last_at}"
    return {
        "mixed": ", ".join(env["mixed"]),
        "fields": table_view(tables.Table("env", "", ["field", "value"], rows)),
        "datasets": table_view(tables.Table("ds", "", ds_head, ds_rows)) if ds_rows else None,
        "models": table_view(tables.Table("m", "", ["model", "details"], m_rows))
        if m_rows
        else None,
        "wall": f"{env['wall_seconds_total']:.0f}",
        "when": when,
    }


def _sensitivity_view(data: ReportData) -> SensitivityView | None:
    summary = tables.sensitivity_summary(data)
    if summary is None:
        return None
    col = summary.header.index("top changes")
    beyond = summary.header.index("changes beyond the noise")

    def why(r: list[str]) -> str:
        """Whether the change is one of conclusion: '-' without per-item data."""
        return {"YES": " (beyond the noise)", "no": " (inside the noise)"}.get(r[beyond], "")

    changes = [r for r in summary.rows if r[col] == "YES"]
    return {
        "summary": table_view(summary),
        "full": [table_view(t) for t in tables.sensitivity_tables(data)],
        "changes": ", ".join(f"{r[1]} on {r[0]}{why(r)}" for r in changes),
    }


def _retention_view(data: ReportData) -> RetentionView | None:
    """Target gain vs general-capability change (Pareto front marked), the retention table and
    each method's learning curve (docs/measurements.md, Stability); None when not measured."""
    from markupsafe import Markup

    colors = figures.method_colors(data)
    ret = data.view["retention"]
    table = retention.retention_table(ret)
    plot = retention.stability_plasticity_figure(ret, colors)
    curves = retention.learning_curve_figures(ret, colors)
    curve_table = retention.curve_table(ret)
    if table is None and plot is None and not curves:
        return None
    return {
        "plot": Markup(plot) if plot else None,
        "table": table_view(table) if table else None,
        "curves": _safe_figs(curves),
        "curve_table": table_view(curve_table) if curve_table else None,
    }


def _safe_figs(items: list[tuple[str, str]]) -> list[tuple[str, Markup]]:
    from markupsafe import Markup

    return [(title, Markup(svg_text)) for title, svg_text in items]


def render(data: ReportData) -> str:
    """The whole report as one HTML document."""
    from markupsafe import Markup

    board, view = data.board, data.view
    counts, seeds = view["counts"], view["seeds"]
    name = view["suite"]["name"] if view["suite"] else view["results_dir"]
    expected = f" of {counts['expected']} expected" if counts["expected"] is not None else ""
    problems = tables.problems_table(data)
    heat = figures.heatmap_figure(data)
    page = (
        _environment()
        .get_template(TEMPLATE)
        .render(
            title=f"peftbench report: {name}",
            summary=f"{counts['ok']} runs ok, {counts['failed']} failed, {counts['missing']} "
            f"missing{expected}, {counts['damaged']} damaged; {len(board.rows)} method "
            f"rows on {len(board.datasets)} datasets; up to {seeds['max_seeds']} seeds",
            results_dir=view["results_dir"],
            made=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            sections=SECTIONS,
            alerts=_alerts(view),
            leaderboard=leaderboard_view(data),
            choice_tables=[
                table_view(t)
                for t in (tables.constraints_table(data), tables.profiles_table(data))
                if t is not None
            ],
            shapes_note=_shapes_note(data),
            pareto=_safe_figs(figures.pareto_figures(data)),
            formulas=dataclasses.asdict(board.formulas),
            pscp=_safe_figs(figures.pscp_figures(data)),
            heatmap=Markup(heat) if heat else None,
            one_seed=seeds["max_seeds"] < 2,
            seed_figs=_safe_figs(figures.seed_figures(data)),
            stability=table_view(tables.stability_table(data)),
            sensitivity=_sensitivity_view(data),
            retention=_retention_view(data),
            efficiency=table_view(tables.efficiency_table(data)),
            main=table_view(tables.main_table(data)),
            problems=table_view(problems) if problems else None,
            env=environment_view(view["environment"]),
            css=Markup(CSS),
            script=Markup(SORT_JS),
            data_json=Markup(_json(view)),
        )
    )
    return defang(page + "\n")


URL = re.compile(r"\b(https?|ftp|wss?)://", re.IGNORECASE)


def defang(page: str) -> str:
    """A record may quote a URL (a dataset or model source); written as 'https[:]//…' it stays
    readable but is no link a browser or mail client would follow or prefetch."""
    return URL.sub(lambda m: f"{m.group(1)}[:]//", page)


def _json(view: ReportView) -> str:
    """The report data, embedded for anyone who wants the numbers. Every '<' is written as the
    JSON escape \\u003c, so no text from a record can end the script element or open a tag."""
    return json.dumps(view, default=str, sort_keys=True).replace("<", "\\u003c")


def _shapes_note(data: ReportData) -> str:
    """Which marker shape is which model, when the figures show more than one."""
    models = sorted({r.model for r in data.board.rows})
    if len(models) < 2:
        return ""
    pairs = ", ".join(f"{svg.SHAPES[i % len(svg.SHAPES)]}: {m}" for i, m in enumerate(models))
    return f"Marker shape by model ({pairs}); fronts are per model."
