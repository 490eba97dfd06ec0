"""The report's figures, from the report data (`collect.collect`) to inline SVG (`svg`).

Pareto fronts are computed per model: methods are only compared on the same base model, as in
the leaderboard's PSCP. A point is on the front when no other method of that model scores at
least as well at no more cost (and is strictly better on one of the two).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from peftbench.reports import svg

if TYPE_CHECKING:
    from peftbench.board.model import Row
    from peftbench.reports.collect import ReportData
    from peftbench.reports.seeds import SeedRowStats
    from peftbench.reports.stats import SeedSummaryJSON

T = TypeVar("T")

# (row field, axis label, log scale, the row's figure: None when not measured)
COSTS: tuple[tuple[str, str, bool, Callable[[Row], float | None]], ...] = (
    ("trainable_params", "trainable parameters (log scale)", True, lambda r: r.trainable_params),
    (
        "latency_ms_per_token",
        "inference latency, ms per token",
        False,
        lambda r: r.latency_ms_per_token,
    ),
    ("peak_train_mem_mb", "peak training memory, MiB", False, lambda r: r.peak_train_mem_mb),
)


def _dataset_score(dataset: str) -> Callable[[SeedRowStats], SeedSummaryJSON | None]:
    return lambda row: row["datasets"].get(dataset)


def pareto_front(
    items: Sequence[T], cost: Callable[[T], float], score: Callable[[T], float]
) -> list[int]:
    """Indices of the items no other item dominates (lower cost is better, higher score is)."""
    front = []
    for i, a in enumerate(items):
        dominated = any(
            cost(b) <= cost(a)
            and score(b) >= score(a)
            and (cost(b) < cost(a) or score(b) > score(a))
            for j, b in enumerate(items)
            if j != i
        )
        if not dominated:
            front.append(i)
    return front


def _label(model: str, method: str, multi: bool) -> str:
    return f"{model}/{method}" if multi else method


def method_colors(data: ReportData) -> dict[str, str]:
    """One colour per method, the same in every figure."""
    methods = sorted(
        {r.method for r in data.board.rows} | {r["method"] for r in data.view["seeds"]["rows"]}
    )
    return {m: svg.color(i) for i, m in enumerate(methods)}


def pareto_figures(data: ReportData) -> list[tuple[str, str]]:
    """(title, svg) for score vs each cost, front highlighted."""
    every = data.board.rows
    if not every:
        return []
    models = sorted({r.model for r in every})
    multi = len(models) > 1
    shapes = {m: svg.SHAPES[i % len(svg.SHAPES)] for i, m in enumerate(models)}
    colors = method_colors(data)
    out = []
    for _, label, log, figure in COSTS:
        # a cost not measured: no point
        rows = [(r, x) for r in every if (x := figure(r)) is not None]
        if not rows:
            continue
        on_front: set[int] = set()
        for model in {r.model for r, _ in rows}:
            idx = [i for i, (r, _) in enumerate(rows) if r.model == model]
            sub = [rows[i] for i in idx]
            front = pareto_front(sub, lambda p: p[1], lambda p: p[0].score)
            on_front |= {idx[k] for k in front}
        points = [
            {
                "x": x,
                "y": r.score,
                "label": _label(r.model, r.method, multi),
                "color": colors[r.method],
                "shape": shapes[r.model],
                "front": i in on_front,
                "front_group": r.model,
                "tip": f"{_label(r.model, r.method, multi)}: score {r.score:.2f}, "
                f"{label.split(',')[0]} {x:.4g}" + (" (on the front)" if i in on_front else ""),
            }
            for i, (r, x) in enumerate(rows)
        ]
        out.append(
            (
                f"Score vs {label.split(',')[0].replace(' (log scale)', '')}",
                svg.scatter(points, label, "average task score", log_x=log),
            )
        )
    return out


def pscp_figures(data: ReportData) -> list[tuple[str, str]]:
    rows = data.board.rows
    if not rows:
        return []
    multi = len({r.model for r in rows}) > 1
    colors = method_colors(data)
    out = []
    for key, title in (("pscp", "PSCP, seed form"), ("pscp_paper", "PSCP, paper form")):
        # baselines have no PSCP: they are references, not ranked
        values = [
            (r, v) for r in rows if (v := r.pscp if key == "pscp" else r.pscp_paper) is not None
        ]
        ordered = sorted(values, key=lambda p: -p[1])
        items = [
            {
                "label": _label(r.model, r.method, multi),
                "value": v,
                "color": colors[r.method],
                "tip": f"{_label(r.model, r.method, multi)}: {key} {v:.3f} (score {r.score:.2f})",
            }
            for r, v in ordered
        ]
        out.append((title, svg.hbars(items, key)))
    return out


def heatmap_figure(data: ReportData) -> str | None:
    board = data.board
    if not board.rows or not board.datasets:
        return None
    multi = len({r.model for r in board.rows}) > 1
    labels = [_label(r.model, r.method, multi) for r in board.rows]
    values = [[r.scores.get(d) for d in board.datasets] for r in board.rows]
    return svg.heatmap(labels, list(board.datasets), values)


def seed_figures(data: ReportData) -> list[tuple[str, str]]:
    """A strip plot per dataset (each seed a dot) and one of the average over datasets."""
    seeds = data.view["seeds"]
    if not seeds["rows"]:
        return []
    multi = len({r["model"] for r in seeds["rows"]}) > 1
    colors = method_colors(data)
    panels: list[tuple[str, Callable[[SeedRowStats], SeedSummaryJSON | None]]] = [
        (d, _dataset_score(d)) for d in seeds["datasets"]
    ]
    panels.append(("average over datasets", lambda row: row["score"]))
    out = []
    for title, pick in panels:
        strips = []
        for r in seeds["rows"]:
            s = pick(r)
            if not s:
                continue
            ci = (s["ci_low"], s["ci_high"]) if s["ci_low"] is not None else None
            label = _label(r["model"], r["method"], multi)
            strips.append(
                {
                    "label": label,
                    "values": s["values"],
                    "mean": s["mean"],
                    "ci": ci,
                    "color": colors[r["method"]],
                    "tips": [
                        f"{label} seed {seed}: {v:.2f}"
                        for seed, v in zip(s["seeds"], s["values"], strict=False)
                    ],
                }
            )
        if strips:
            out.append((title, svg.strip(strips, f"score on {title}", clamp=(0.0, 100.0))))
    return out
