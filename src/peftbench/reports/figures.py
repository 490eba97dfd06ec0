"""The report's figures, from the report data (`collect.collect`) to inline SVG (`svg`).

Pareto fronts are computed per model: methods are only compared on the same base model, as in
the leaderboard's PSCP. A point is on the front when no other method of that model scores at
least as well at no more cost (and is strictly better on one of the two).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

from peftbench.reports import svg

COSTS = (
    ("trainable_params", "trainable parameters (log scale)", True),
    ("latency_ms_per_token", "inference latency, ms per token", False),
    ("peak_train_mem_mb", "peak training memory, MiB", False),
)


def _dataset_score(dataset: str) -> Callable[[dict[str, Any]], Any]:
    return lambda row: row["datasets"].get(dataset)


def pareto_front(
    items: Sequence[Any], cost: Callable[[Any], float], score: Callable[[Any], float]
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


def _label(row: dict[str, Any], multi: bool) -> str:
    return f"{row['model']}/{row['method']}" if multi else row["method"]


def method_colors(data: dict[str, Any]) -> dict[str, str]:
    """One colour per method, the same in every figure."""
    methods = sorted(
        {r["method"] for r in data["board"]["rows"]} | {r["method"] for r in data["seeds"]["rows"]}
    )
    return {m: svg.color(i) for i, m in enumerate(methods)}


def pareto_figures(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, svg) for score vs each cost, front highlighted."""
    rows = data["board"]["rows"]
    if not rows:
        return []
    models = sorted({r["model"] for r in rows})
    multi = len(models) > 1
    shapes = {m: svg.SHAPES[i % len(svg.SHAPES)] for i, m in enumerate(models)}
    colors = method_colors(data)
    out = []
    every = rows
    for key, label, log in COSTS:
        rows = [r for r in every if r.get(key) is not None]  # a cost not measured: no point
        if not rows:
            continue
        on_front: set[int] = set()
        for model in {r["model"] for r in rows}:
            idx = [i for i, r in enumerate(rows) if r["model"] == model]
            sub = [rows[i] for i in idx]
            front = pareto_front(sub, operator.itemgetter(key), operator.itemgetter("score"))
            on_front |= {idx[k] for k in front}
        points = [
            {
                "x": r[key],
                "y": r["score"],
                "label": _label(r, multi),
                "color": colors[r["method"]],
                "shape": shapes[r["model"]],
                "front": i in on_front,
                "front_group": r["model"],
                "tip": f"{_label(r, multi)}: score {r['score']:.2f}, {label.split(',')[0]} "
                f"{r[key]:.4g}" + (" (on the front)" if i in on_front else ""),
            }
            for i, r in enumerate(rows)
        ]
        out.append(
            (
                f"Score vs {label.split(',')[0].replace(' (log scale)', '')}",
                svg.scatter(points, label, "average task score", log_x=log),
            )
        )
    return out


def pscp_figures(data: dict[str, Any]) -> list[tuple[str, str]]:
    rows = data["board"]["rows"]
    if not rows:
        return []
    multi = len({r["model"] for r in rows}) > 1
    colors = method_colors(data)
    out = []
    for key, title in (("pscp", "PSCP, seed form"), ("pscp_paper", "PSCP, paper form")):
        # baselines have no PSCP: they are references, not ranked
        ordered = sorted((r for r in rows if r.get(key) is not None), key=lambda r: -r[key])
        items = [
            {
                "label": _label(r, multi),
                "value": r[key],
                "color": colors[r["method"]],
                "tip": f"{_label(r, multi)}: {key} {r[key]:.3f} (score {r['score']:.2f})",
            }
            for r in ordered
        ]
        out.append((title, svg.hbars(items, key)))
    return out


def heatmap_figure(data: dict[str, Any]) -> str | None:
    board = data["board"]
    if not board["rows"] or not board["datasets"]:
        return None
    multi = len({r["model"] for r in board["rows"]}) > 1
    labels = [_label(r, multi) for r in board["rows"]]
    values = [[r["scores"].get(d) for d in board["datasets"]] for r in board["rows"]]
    return svg.heatmap(labels, board["datasets"], values)


def seed_figures(data: dict[str, Any]) -> list[tuple[str, str]]:
    """A strip plot per dataset (each seed a dot) and one of the average over datasets."""
    seeds = data["seeds"]
    if not seeds["rows"]:
        return []
    multi = len({r["model"] for r in seeds["rows"]}) > 1
    colors = method_colors(data)
    panels: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
        (d, _dataset_score(d)) for d in seeds["datasets"]
    ]
    panels.append(("average over datasets", operator.itemgetter("score")))
    out = []
    for title, pick in panels:
        strips = []
        for r in seeds["rows"]:
            s = pick(r)
            if not s:
                continue
            ci = (s["ci_low"], s["ci_high"]) if s.get("ci_low") is not None else None
            strips.append(
                {
                    "label": _label(r, multi),
                    "values": s["values"],
                    "mean": s["mean"],
                    "ci": ci,
                    "color": colors[r["method"]],
                    "tips": [
                        f"{_label(r, multi)} seed {seed}: {v:.2f}"
                        for seed, v in zip(s.get("seeds", []), s["values"], strict=False)
                    ],
                }
            )
        if strips:
            out.append((title, svg.strip(strips, f"score on {title}", clamp=(0.0, 100.0))))
    return out
