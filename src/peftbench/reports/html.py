"""The HTML report: one self-contained file that opens offline.

Styles, the table-sorting script and every figure (inline SVG) live in the file itself; it loads
nothing and links nowhere, so it can be mailed, archived with the results, or opened on a machine
with no network. Sections: summary, leaderboard (click a header to sort), Pareto fronts, PSCP
bars, heat map, seed spread and stability, PSCP sensitivity, efficiency, failed/missing runs,
environment.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html import escape
from typing import Any

from peftbench.reports import figures, svg, tables
from peftbench.reports.assets import CSS, SORT_JS

SECTIONS = (
    ("leaderboard", "Leaderboard"),
    ("pareto", "Pareto fronts"),
    ("pscp", "PSCP"),
    ("heatmap", "Heat map"),
    ("seeds", "Seed spread"),
    ("sensitivity", "PSCP sensitivity"),
    ("efficiency", "Efficiency"),
    ("problems", "Failed and missing"),
    ("environment", "Environment"),
)


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _td(text: str, value: Any = None, cls: str = "", title: str = "") -> str:
    v = text if value is None else value
    attrs = f' data-v="{_e(v)}"'
    attrs += f' class="{cls}"' if cls else ""
    attrs += f' title="{_e(title)}"' if title else ""
    return f"<td{attrs}>{_e(text)}</td>"


def table_html(t: tables.Table, sortable: bool = False) -> str:
    text_cols = {i for i, _ in enumerate(t.header) if not tables.numeric_column(t, i)}
    head = "".join(
        f'<th class="{"text" if i in text_cols else ""}">{_e(h)}</th>'
        for i, h in enumerate(t.header)
    )
    body = "".join(
        "<tr>"
        + "".join(_td(c, cls="text" if i in text_cols else "") for i, c in enumerate(row))
        + "</tr>"
        for row in t.rows
    )
    notes = "".join(f'<p class="note">{_e(n)}</p>' for n in t.notes)
    cls = ' class="sortable"' if sortable else ""
    table = f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table}</div>{notes}'


def leaderboard_html(data: dict[str, Any]) -> str:
    """Every leaderboard column, sortable; hovering a score shows its seeds' spread and CI."""
    board = data["board"]
    stats = {(r["model"], r["method"]): r for r in data["seeds"]["rows"]}
    multi = len({r["model"] for r in board["rows"]}) > 1
    head = (["model"] if multi else []) + ["method", *board["datasets"], "avg", "avg 95% CI"]
    head += ["params", "params %", "ms/tok", "slowdown %", "train MiB", "extra GFLOPs"]
    head += ["PSCP", "PSCP paper", "runs"]
    rows = []
    for r in board["rows"]:
        st = stats.get((r["model"], r["method"]), {})
        cells = [_td(r["model"], cls="text")] if multi else []
        status = "" if r["complete"] else " (partial)"
        cells.append(_td(r["method"] + status, r["method"], "text"))
        for d in board["datasets"]:
            s = st.get("datasets", {}).get(d)
            tip = f"seeds: {', '.join(f'{v:.2f}' for v in s['values'])}" if s else ""
            if s and s.get("ci_low") is not None:
                tip += f"; mean ± std {tables.mean_std(s, 2)}"
                tip += f"; 95% CI [{s['ci_low']:.2f}, {s['ci_high']:.2f}]"
            score = r["scores"].get(d)
            cells.append(_td(tables.num(score), score if score is not None else -1, title=tip))
        avg = st.get("score")
        ci = f"± {avg['half_width']:.1f}" if avg and avg.get("half_width") is not None else "-"
        cells += [
            _td(tables.num(r["score"]), r["score"]),
            _td(ci, avg["half_width"] if avg and avg.get("half_width") is not None else -1),
            _td(tables.params(r["trainable_params"]), r["trainable_params"]),
            _td(f"{r['trainable_pct']:.3f}", r["trainable_pct"]),
            _td(f"{r['latency_ms_per_token']:.2f}", r["latency_ms_per_token"]),
            _td(f"{r['slowdown_pct']:+.1f}", r["slowdown_pct"]),
            _td(f"{r['peak_train_mem_mb']:.0f}", r["peak_train_mem_mb"]),
            _td(tables.sig(r["extra_tflops"] * 1e3), r["extra_tflops"]),
            _td(f"{r['pscp']:.2f}", r["pscp"]),
            _td(f"{r['pscp_paper']:.2f}", r["pscp_paper"]),
            _td(str(r["runs"]), r["runs"]),
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    for f in board["failed"]:
        span = len(head) - 1 - (1 if multi else 0)
        model = [_td(str(f.get("model", "")), cls="text")] if multi else []
        rows.append(
            '<tr class="failed">'
            + "".join(model)
            + _td(f"{f.get('method', '?')} FAILED", "~", "text")
            + f'<td class="text" colspan="{span}" data-v="~">{_e(f.get("dataset", ""))} seed '
            f"{_e(f.get('seed', ''))}: {_e(f['error'])}</td></tr>"
        )
    ths = "".join(
        f'<th class="{"text" if h in ("model", "method") else ""}">{_e(h)}</th>' for h in head
    )
    notes = tables.main_table(data).notes
    return (
        f'<div class="scroll"><table class="sortable" id="leaderboard-table"><thead><tr>{ths}</tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table></div>"
        + "".join(f'<p class="note">{_e(n)}</p>' for n in notes)
    )


def _figs(items: list[tuple[str, str]]) -> str:
    return (
        '<div class="grid2">'
        + "".join(f"<div><h3>{_e(t)}</h3>{s}</div>" for t, s in items)
        + "</div>"
    )


def environment_html(data: dict[str, Any]) -> str:
    env = data["environment"]
    parts = []
    if env["mixed"]:
        parts.append(
            f'<p class="warn">The runs differ in: {_e(", ".join(env["mixed"]))}. '
            "Compare their costs with care.</p>"
        )
    rows = [
        [k, "; ".join(f"{v} ({n} runs)" if len(vals) > 1 else v for v, n in vals.items())]
        for k, vals in env["fields"].items()
    ]
    rows += [
        [
            f"package {k}",
            "; ".join(f"{v} ({n} runs)" if len(vals) > 1 else v for v, n in vals.items()),
        ]
        for k, vals in env["packages"].items()
    ]
    parts.append(table_html(tables.Table("env", "", ["field", "value"], rows)))
    ds_rows = [
        [
            name,
            str(d.get("source", "")),
            str(d.get("version", "")),
            str(d.get("train_examples", "")),
            str(d.get("eval_examples", "")),
            str(d.get("train_fingerprint", "")),
            str(d.get("eval_fingerprint", "")),
        ]
        for name, d in sorted(env["datasets"].items())
    ]
    if ds_rows:
        parts.append(
            "<h3>Datasets</h3>"
            + table_html(
                tables.Table(
                    "ds",
                    "",
                    [
                        "dataset",
                        "source",
                        "version",
                        "train",
                        "eval",
                        "train fingerprint",
                        "eval fingerprint",
                    ],
                    ds_rows,
                )
            )
        )
    m_rows = [
        [name, ", ".join(f"{k}={v}" for k, v in m.items())]
        for name, m in sorted(env["models"].items())
    ]
    if m_rows:
        parts.append(
            "<h3>Models</h3>" + table_html(tables.Table("m", "", ["model", "details"], m_rows))
        )
    when = ""
    if env["first_start"]:
        first = dt.datetime.fromtimestamp(env["first_start"], dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        last = dt.datetime.fromtimestamp(env["last_start"], dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        when = f"; runs started between {first} and {last}"
    parts.append(f'<p class="note">total run wall time {env["wall_seconds_total"]:.0f} s{when}</p>')
    return "".join(parts)


def render(data: dict[str, Any]) -> str:
    """The whole report as one HTML document."""
    board, counts = data["board"], data["counts"]
    suite = data["suite"] or {}
    title = f"peftbench report: {suite.get('name', data['results_dir'])}"
    expected = f" of {counts['expected']} expected" if counts["expected"] is not None else ""
    summary = (
        f"{counts['ok']} runs ok, {counts['failed']} failed, {counts['missing']} missing"
        f"{expected}, {counts.get('damaged', 0)} damaged; {len(board['rows'])} method rows on "
        f"{len(board['datasets'])} datasets; "
        f"up to {data['seeds']['max_seeds']} seeds"
    )
    alerts = ""
    if counts["failed"]:
        alerts += f'<p class="bad">{counts["failed"]} run(s) failed: see Failed and missing.</p>'
    if counts.get("damaged"):
        alerts += (
            f'<p class="bad">{counts["damaged"]} damaged record(s) left out: see Failed and '
            "missing.</p>"
        )
    if counts["missing"]:
        alerts += (
            f'<p class="warn">Partial grid: {counts["missing"]} run(s) of the suite are '
            "missing; rows marked (partial) lack datasets.</p>"
        )
    if data["ignored"]:
        alerts += (
            f'<p class="note">{len(data["ignored"])} run folder(s) not in the current '
            "suite were left out.</p>"
        )
    for note in data.get("notes", []):
        alerts += f'<p class="warn">{_e(note)}.</p>'
    body = {
        "leaderboard": alerts + leaderboard_html(data) + _profiles_html(data),
        "pareto": '<p class="note">Each point is a method (average score over datasets and seeds). '
        "Ringed points joined by the dashed red staircase form the Pareto front: no other method "
        "scores higher at lower cost. Hover a point for its name and values.</p>"
        + _shapes_note(data)
        + _figs(figures.pareto_figures(data)),
        "pscp": '<p class="note">'
        + _e(board["formulas"]["pscp"])
        + " and "
        + _e(board["formulas"]["pscp_paper"])
        + "</p>"
        + _figs(figures.pscp_figures(data)),
        "heatmap": '<p class="note">Mean task score per dataset and method (over seeds).</p>'
        + (figures.heatmap_figure(data) or "<p>no scores</p>"),
        "seeds": _seeds_html(data),
        "sensitivity": _sensitivity_html(data),
        "efficiency": table_html(tables.efficiency_table(data), sortable=True)
        + "<h3>Paper main table</h3>"
        + table_html(tables.main_table(data)),
        "problems": _problems_html(data),
        "environment": environment_html(data),
    }
    nav = "".join(f'<a href="#{k}">{_e(t)}</a>' for k, t in SECTIONS)
    sections = "".join(
        f'<section id="{k}"><h2>{_e(t)}</h2>{body[k]}</section>' for k, t in SECTIONS
    )
    made = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return defang(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title>"
        f"<style>{CSS}</style></head><body><header><h1>{_e(title)}</h1><p>{_e(summary)}</p>"
        f"<p>results folder <code>{_e(data['results_dir'])}</code>; made {made}</p></header>"
        f"<nav>{nav}</nav><main>{sections}</main>"
        f'<script type="application/json" id="report-data">{_json(data)}</script>'
        f"<script>{SORT_JS}</script></body></html>\n"
    )


URL = re.compile(r"\b(https?|ftp|wss?)://", re.IGNORECASE)


def defang(page: str) -> str:
    """A record may quote a URL (a dataset or model source); written as 'https[:]//…' it stays
    readable but is no link a browser or mail client would follow or prefetch."""
    return URL.sub(lambda m: f"{m.group(1)}[:]//", page)


def _json(data: dict[str, Any]) -> str:
    """The report data, embedded for anyone who wants the numbers; '</' cannot end the script."""
    return json.dumps(data, default=str, sort_keys=True).replace("</", "<\\/")


def _shapes_note(data: dict[str, Any]) -> str:
    """Which marker shape is which model, when the figures show more than one."""
    models = sorted({r["model"] for r in data["board"]["rows"]})
    if len(models) < 2:
        return ""
    pairs = ", ".join(f"{svg.SHAPES[i % len(svg.SHAPES)]}: {m}" for i, m in enumerate(models))
    return f'<p class="note">Marker shape by model ({_e(pairs)}); fronts are per model.</p>'


def _seeds_html(data: dict[str, Any]) -> str:
    seeds = data["seeds"]
    note = ""
    if seeds["max_seeds"] < 2:
        note = (
            '<p class="warn">One seed per cell: no spread or confidence interval can be shown. '
            "Run more seeds (e.g. <code>--set seeds=[1,2,3]</code>).</p>"
        )
    return (
        note + '<p class="note">Each dot is one seed; the black bar is the mean, the grey '
        "whisker the 95% confidence interval (Student's t).</p>"
        + _figs(figures.seed_figures(data))
        + "<h3>Stability table</h3>"
        + table_html(tables.stability_table(data), sortable=True)
    )


def _profiles_html(data: dict[str, Any]) -> str:
    """The user's limits (when given) and the top method under each PSCP profile."""
    parts = []
    for t in (tables.constraints_table(data), tables.profiles_table(data)):
        if t is not None:
            parts.append(f"<h3>{_e(t.title)}</h3>" + table_html(t))
    return "".join(parts)


def _sensitivity_html(data: dict[str, Any]) -> str:
    summary = tables.sensitivity_summary(data)
    if summary is None:
        return '<p class="note">This leaderboard carries no PSCP sensitivity table.</p>'
    full = "".join(
        f"<details><summary>{_e(t.title)}: all {len(t.rows)} combinations</summary>"
        f"{table_html(t, sortable=True)}</details>"
        for t in tables.sensitivity_tables(data)
    )
    changes = [r for r in summary.rows if r[-1] == "YES"]
    warn = ""
    if changes:
        which = ", ".join(f"{r[1]} on {r[0]}" for r in changes)
        warn = (
            f'<p class="warn">The top-ranked method changes with the weights for {_e(which)}.</p>'
        )
    return warn + table_html(summary) + full


def _problems_html(data: dict[str, Any]) -> str:
    t = tables.problems_table(data)
    if t is None:
        return '<p class="note">None: every run of the suite completed.</p>'
    return table_html(t)
