"""The stability view of a report: what each method gained on its task against what it cost the
model's general abilities, and how it learned over time (docs/measurements.md, Stability).

`retention_data` gathers it from the leaderboard rows and the ok records; `retention_table`,
`stability_plasticity_figure` and `learning_curve_figures` render it, so the HTML report and the
Markdown/CSV/LaTeX tables show the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypedDict

from peftbench.board.model import Board, Row
from peftbench.reports import svg
from peftbench.reports.tables import Table, num
from peftbench.results.record import RunRecord


class RetentionRow(TypedDict):
    """A leaderboard row's task gain over zero-shot and its drift on general abilities."""

    model: str
    method: str
    score: float
    gain: float | None
    retention_delta: float | None
    retention_ci95: list[float] | None
    ppl_delta_pct: float | None
    kl_mean: float | None


class Curve(TypedDict):
    """One run's learning curve: (step, dev score) points and its summary."""

    model: str
    method: str
    dataset: str
    seed: int
    points: list[tuple[float, float]]
    best_step: float | None
    best_dev_score: float | None
    final_dev_score: float | None
    overshoot: bool


class RetentionData(TypedDict):
    """What `retention_data` gathers: the report's "retention" (reports/collect.py)."""

    rows: list[RetentionRow]
    curves: list[Curve]


def _zero_shot(model: str, rows: Sequence[Row]) -> Row | None:
    """The model's untrained reference row (a method that does not train, e.g. `frozen`)."""
    from peftbench.methods import METHODS

    for row in rows:
        if row.model != model:
            continue
        try:
            if not METHODS.get(row.method).trains:
                return row
        except Exception:  # a method no longer installed: not a reference we can name
            continue
    return None


def retention_data(board: Board, records: Sequence[RunRecord]) -> RetentionData:
    rows: list[RetentionRow] = []
    for row in board.rows:
        ref = _zero_shot(row.model, board.rows)
        ci = row.retention_ci95
        rows.append(
            {
                "model": row.model,
                "method": row.method,
                "score": row.score,
                "gain": row.score - ref.score if ref is not None else None,
                "retention_delta": row.retention_delta,
                "retention_ci95": list(ci) if ci is not None else None,
                "ppl_delta_pct": row.ppl_delta_pct,
                "kl_mean": row.kl_mean,
            }
        )
    curves: list[Curve] = []
    for r in sorted(records, key=lambda r: (r.model, r.dataset, r.method, r.seed)):
        curve = r.metrics.learning_curve if r.metrics else None
        points = curve.get("points") if curve else None
        if not curve or not isinstance(points, list) or not points:
            continue
        curves.append(
            {
                "model": r.model,
                "method": r.method,
                "dataset": r.dataset,
                "seed": r.seed,
                "points": _points(curve.get("points")),
                "best_step": _figure(curve.get("best_step")),
                "best_dev_score": _figure(curve.get("best_dev_score")),
                "final_dev_score": _figure(curve.get("final_dev_score")),
                "overshoot": bool(curve.get("overshoot")),
            }
        )
    return {"rows": rows, "curves": curves}


def _figure(value: object) -> float | None:
    """A number of a record's learning curve (None: not there, or not a number)."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _points(points: object) -> list[tuple[float, float]]:
    """A learning curve's (step, dev score) points; one without both numbers is left out."""
    out = []
    for p in points if isinstance(points, list) else []:
        if isinstance(p, Mapping):
            step, score = _figure(p.get("step")), _figure(p.get("dev_score"))
            if step is not None and score is not None:
                out.append((step, score))
    return out


def _ci(row: RetentionRow) -> str:
    ci = row["retention_ci95"]
    return "-" if not ci else f"[{ci[0]:+.1f}, {ci[1]:+.1f}]"


def _signed(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:+.{digits}f}"


def retention_table(ret: RetentionData) -> Table | None:
    if not any(
        r["retention_delta"] is not None or r["ppl_delta_pct"] is not None for r in ret["rows"]
    ):
        return None
    multi = len({r["model"] for r in ret["rows"]}) > 1
    header = (["model"] if multi else []) + ["method", "task gain vs zero-shot"]
    header += ["Δ general", "Δ general 95% CI", "Δ ppl %", "KL (nats/token)"]
    rows = []
    for r in ret["rows"]:
        cells = [r["model"]] if multi else []
        cells += [r["method"], _signed(r["gain"]), _signed(r["retention_delta"]), _ci(r)]
        cells += [_signed(r["ppl_delta_pct"]), num(r["kl_mean"], 4)]
        rows.append(cells)
    notes = [
        "Δ general: score change on general tasks the method was not trained on (fine-tuned minus "
        "base, same items; paired bootstrap 95% CI); Δ ppl / KL: drift on a fixed general-text "
        "sample (docs/measurements.md, Stability)"
    ]
    curves = ret["curves"]
    over = [c for c in curves if c["overshoot"]]
    if curves:
        notes.append(
            f"learning curves: {len(curves)} run(s); final dev score clearly below the best "
            f"checkpoint (overshoot) in {len(over)}"
            + (": " + ", ".join(f"{c['method']} on {c['dataset']}" for c in over) if over else "")
        )
    return Table("retention", "Retention of general abilities", header, rows, notes)


def curve_table(ret: RetentionData) -> Table | None:
    curves = ret["curves"]
    if not curves:
        return None
    header = ["model", "method", "dataset", "seed", "points", "best step", "best dev score"]
    header += ["final dev score", "overshoot"]
    rows = [
        [
            c["model"],
            c["method"],
            c["dataset"],
            str(c["seed"]),
            str(len(c["points"])),
            str(c["best_step"]),
            num(c["best_dev_score"]),
            num(c["final_dev_score"]),
            "yes" if c["overshoot"] else "no",
        ]
        for c in curves
    ]
    return Table("curves", "Learning curves (held-out dev slice of the train split)", header, rows)


def stability_plasticity_figure(ret: RetentionData, colors: dict[str, str]) -> str | None:
    """Target-task gain over zero-shot (up is better) against general-capability loss (left is
    better); the Pareto front joins the methods no other beats on both."""
    rows = [
        (r, gain, delta)
        for r in ret["rows"]
        if (gain := r["gain"]) is not None and (delta := r["retention_delta"]) is not None
    ]
    if not rows:
        return None
    from peftbench.reports.figures import pareto_front

    multi = len({r["model"] for r, _, _ in rows}) > 1
    on_front: set[int] = set()
    for model in {r["model"] for r, _, _ in rows}:
        idx = [i for i, (r, _, _) in enumerate(rows) if r["model"] == model]
        sub = [rows[i] for i in idx]
        front = pareto_front(sub, lambda t: -t[2], lambda t: t[1])
        on_front |= {idx[k] for k in front}
    points = []
    for i, (r, gain, delta) in enumerate(rows):
        label = f"{r['model']}/{r['method']}" if multi else r["method"]
        points.append(
            {
                "x": -delta,
                "y": gain,
                "label": label,
                "color": colors.get(r["method"], svg.color(i)),
                "front": i in on_front,
                "front_group": r["model"],
                "tip": f"{label}: task gain {gain:+.1f}, general change {delta:+.1f} {_ci(r)}",
            }
        )
    return svg.scatter(
        points,
        "general-capability loss, points (negative: gained)",
        "task gain over zero-shot, points",
    )


def learning_curve_figures(ret: RetentionData, colors: dict[str, str]) -> list[tuple[str, str]]:
    """One chart per (model, dataset): each method's dev score over training steps, its best
    checkpoint ringed (first seed of each method, so the lines stay readable)."""
    panels: dict[tuple[str, str], dict[str, Curve]] = {}
    for c in ret["curves"]:
        panels.setdefault((c["model"], c["dataset"]), {}).setdefault(c["method"], c)
    out = []
    for (model, dataset), by_method in sorted(panels.items()):
        series: list[dict[str, object]] = []
        for method, c in sorted(by_method.items()):
            best = next((p for p in c["points"] if p[0] == c["best_step"]), None)
            series.append(
                {
                    "label": method + (" (overshoot)" if c["overshoot"] else ""),
                    "color": colors.get(method, svg.color(len(series))),
                    "points": c["points"],
                    "mark": best,
                    "tip": f"{method}: best {c['best_dev_score']} at step {c['best_step']}, "
                    f"final {c['final_dev_score']}",
                }
            )
        title = f"Learning curves: {dataset}" + (f" ({model})" if len(panels) > 1 else "")
        out.append((title, svg.lines(series, "training step", "dev score")))
    return out
