"""Plot primitives that write inline SVG: scatter (with a highlighted front), bars, heat map, strip.

Written here rather than pulled from a plotting library so the HTML report needs no dependency and
no network: each function returns an `<svg>` element as text, sized by its viewBox so it scales
with the page. Hovering a mark shows its exact values (an SVG <title>). No xmlns attribute is
written: inline SVG in HTML does not need one, and the report must hold no URL at all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from peftbench.reports import escape

# Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#999999",
    "#882255",
    "#44AA99",
    "#117733",
)


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _e(text: object) -> str:
    return escape.html(str(text))


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 5 x 10^k steps) covering [lo, hi]."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(1, count)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    start, end = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [round(k * step, 12) for k in range(start, end + 1)]


def tick_label(v: float) -> str:
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:g}B"
    if a >= 1e6:
        return f"{v / 1e6:g}M"
    if a >= 1e3:
        return f"{v / 1e3:g}K"
    return f"{v:g}"


@dataclass
class Axis:
    """Maps data values to pixels, linear or log10 (zero sits half a decade left of the rest)."""

    lo: float
    hi: float
    px0: float
    px1: float
    log: bool = False

    @classmethod
    def fit(cls, values: Sequence[float], px0: float, px1: float, log: bool = False) -> Axis:
        vals = [v for v in values if v is not None]
        if log:
            pos = [v for v in vals if v > 0] or [1.0]
            lo: float = math.floor(math.log10(min(pos)))
            hi: float = math.ceil(math.log10(max(pos)))
            lo = lo - 0.5 if any(v <= 0 for v in vals) else lo
            return cls(lo, hi if hi > lo else lo + 1, px0, px1, True)
        lo, hi = min(vals, default=0.0), max(vals, default=1.0)
        ticks = nice_ticks(min(lo, 0.0) if lo >= 0 else lo, hi if hi > lo else lo + 1)
        return cls(ticks[0], ticks[-1], px0, px1)

    def __call__(self, v: float) -> float:
        if self.log:
            v = math.log10(v) if v > 0 else self.lo
        return self.px0 + (v - self.lo) / (self.hi - self.lo) * (self.px1 - self.px0)

    def ticks(self) -> list[tuple[float, str]]:
        if self.log:
            first = math.ceil(self.lo)
            out = [(10.0**k, tick_label(10.0**k)) for k in range(first, int(self.hi) + 1)]
            return ([(0.0, "0")] if self.lo < first else []) + out
        return [(t, tick_label(t)) for t in nice_ticks(self.lo, self.hi)]


def text(
    x: float, y: float, content: object, cls: str = "tick", anchor: str = "middle", extra: str = ""
) -> str:
    """An SVG <text> element (content escaped)."""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" class="{cls}" text-anchor="{anchor}"{extra}>'
        f"{_e(content)}</text>"
    )


def line(x1: float, y1: float, x2: float, y2: float, cls: str, tip: str | None = None) -> str:
    """An SVG <line>; `tip` becomes its hover tooltip."""
    head = f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" class="{cls}"'
    return head + (f"><title>{_e(tip)}</title></line>" if tip else "/>")


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{_e(label)}" '
        f'class="chart" style="max-width:{width}px">' + "".join(body) + "</svg>"
    )


def _frame(x: Axis, y: Axis, x_label: str, y_label: str, w: int, h: int) -> list[str]:
    out = []
    for v, label in x.ticks():
        px = x(v)
        out.append(line(px, y.px1, px, y.px0, "grid"))
        out.append(text(px, y.px0 + 16, label))
    for v, label in y.ticks():
        py = y(v)
        out.append(line(x.px0, py, x.px1, py, "grid"))
        out.append(text(x.px0 - 6, py + 4, label, anchor="end"))
    out.append(
        f'<rect x="{x.px0:.1f}" y="{y.px1:.1f}" width="{x.px1 - x.px0:.1f}" '
        f'height="{y.px0 - y.px1:.1f}" class="plotarea"/>'
    )
    out.append(text((x.px0 + x.px1) / 2, h - 6, x_label, "axis"))
    out.append(
        f'<text x="14" y="{(y.px0 + y.px1) / 2:.1f}" class="axis" text-anchor="middle" '
        f'transform="rotate(-90 14 {(y.px0 + y.px1) / 2:.1f})">{_e(y_label)}</text>'
    )
    return out


def scatter(
    points: Sequence[dict],
    x_label: str,
    y_label: str,
    log_x: bool = False,
    width: int = 560,
    height: int = 360,
) -> str:
    """Points {x, y, label, color, front: bool, tip}; front points are ringed and joined by a
    staircase line (the trade-off curve: nothing above-left of it)."""
    x = Axis.fit([p["x"] for p in points], 64, width - 24, log_x)
    y = Axis.fit([p["y"] for p in points], height - 44, 16)
    body = _frame(x, y, x_label, y_label, width, height)
    fronts: dict[str, list[dict]] = {}
    for p in points:
        if p.get("front"):
            fronts.setdefault(p.get("front_group", ""), []).append(p)
    for front in fronts.values():
        front.sort(key=lambda p: (p["x"], p["y"]))
        first, rest = front[0], front[1:]
        path = [f"M{x(first['x']):.1f} {y(first['y']):.1f}"]
        path += [f"H{x(p['x']):.1f} V{y(p['y']):.1f}" for p in rest]
        body.append(f'<path d="{" ".join(path)}" class="front"/>')
    # Point markers block label spots too, so labels do not cover other points.
    placed: list[tuple[float, float, float, float]] = [
        (x(p["x"]) - 6, y(p["y"]) - 6, x(p["x"]) + 6, y(p["y"]) + 6) for p in points
    ]
    area = (x.px0, y.px1, width, y.px0)
    labels = []
    for p in sorted(points, key=lambda p: (-p["y"], p["x"])):
        px, py = x(p["x"]), y(p["y"])
        if p.get("front"):
            body.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="9" class="front-ring"/>')
        body.append(marker(px, py, p.get("shape", "circle"), p["color"], p.get("tip", p["label"])))
        spot = _place_label(px, py, str(p["label"]), placed, area)
        if spot:  # no free spot: the marker's tooltip still names it
            labels.append(text(spot[0], spot[1], p["label"], "pt-label", spot[2]))
    return _svg(width, height, body + labels, f"{y_label} vs {x_label}")


SHAPES = ("circle", "square", "diamond", "triangle")


def marker(px: float, py: float, shape: str, fill: str, tip: str) -> str:
    """A point marker; the shape tells models apart when one figure shows several."""
    title = f"<title>{_e(tip)}</title>"
    if shape == "square":
        return (
            f'<rect x="{px - 5:.1f}" y="{py - 5:.1f}" width="10" height="10" fill="{fill}" '
            f'class="pt">{title}</rect>'
        )
    if shape in ("diamond", "triangle"):
        pts = (
            [(px, py - 7), (px + 7, py), (px, py + 7), (px - 7, py)]
            if shape == "diamond"
            else [(px, py - 7), (px + 6.5, py + 5), (px - 6.5, py + 5)]
        )
        coords = " ".join(f"{a:.1f},{b:.1f}" for a, b in pts)
        return f'<polygon points="{coords}" fill="{fill}" class="pt">{title}</polygon>'
    return f'<circle cx="{px:.1f}" cy="{py:.1f}" r="5.5" fill="{fill}" class="pt">{title}</circle>'


def _place_label(px: float, py: float, label: str, placed: list, area: tuple) -> tuple | None:
    """A spot near the point (right, then left, then further up or down) inside the plot `area`
    (x0, y0, x1, y1) that overlaps no label or marker placed so far, or None when there is none
    (a crowd of equal points). Text is ~6.2 px per character."""
    w, h = 6.2 * len(label), 12.0
    for dy in (-8, 14, -20, 26, -32, 38, -44, 50, -56, 62):
        for side in (1, -1):
            x0 = px + 9 if side == 1 else px - 9 - w
            box = (x0, py + dy - h + 3, x0 + w, py + dy + 3)
            inside = (
                area[0] <= box[0] and box[2] <= area[2] and area[1] <= box[1] and box[3] <= area[3]
            )
            if inside and not any(
                b[0] < box[2] and box[0] < b[2] and b[1] < box[3] and box[1] < b[3] for b in placed
            ):
                placed.append(box)
                return (px + 9, py + dy, "start") if side == 1 else (px - 9, py + dy, "end")
    return None


def hbars(items: Sequence[dict], x_label: str, width: int = 460, bar: int = 22) -> str:
    """Horizontal bars {label, value, color, tip}, in the given order."""
    left = 8 + 7 * max((len(str(i["label"])) for i in items), default=4)
    height = 48 + bar * len(items)
    x = Axis.fit([i["value"] for i in items] + [0.0], left, width - 60)
    y_top = 12
    body = []
    for v, label in x.ticks():
        body.append(line(x(v), y_top, x(v), height - 32, "grid"))
        body.append(text(x(v), height - 18, label))
    for k, item in enumerate(items):
        top = y_top + k * bar
        x0, x1 = x(0.0), x(item["value"])
        tip = _e(item.get("tip", ""))
        body.append(
            f'<rect x="{min(x0, x1):.1f}" y="{top + 3}" width="{abs(x1 - x0):.1f}" '
            f'height="{bar - 6}" fill="{item["color"]}"><title>{tip}</title></rect>'
        )
        body.append(text(left - 6, top + bar / 2 + 4, item["label"], anchor="end"))
        body.append(
            text(max(x0, x1) + 4, top + bar / 2 + 4, f"{item['value']:.2f}", "val", "start")
        )
    body.append(text((left + width - 60) / 2, height - 3, x_label, "axis"))
    return _svg(width, height, body, x_label)


def _heat(value: float, lo: float, hi: float) -> str:
    """White to blue; the text colour flips to white on dark cells (see heatmap)."""
    t = 0.0 if hi <= lo else (value - lo) / (hi - lo)
    r, g, b = (round(a + (z - a) * t) for a, z in ((247, 8), (251, 69), (255, 148)))
    return f"rgb({r},{g},{b})"


def heatmap(
    rows: Sequence[str],
    cols: Sequence[str],
    values: Sequence[Sequence[float | None]],
    cell: int = 64,
) -> str:
    """Rows x columns of numbers, coloured over their own min..max; empty cells hatched grey."""
    left = 12 + 7 * max((len(r) for r in rows), default=4)
    longest = max((len(c) for c in cols), default=4)
    top = 16 + int(6.2 * longest * 0.5)  # column names are rotated 30 degrees
    width = left + cell * len(cols) + int(6.2 * longest * 0.87) + 10
    height = top + 30 * len(rows) + 10
    vals = [v for row in values for v in row if v is not None]
    lo, hi = min(vals, default=0.0), max(vals, default=1.0)
    body = []
    for j, c in enumerate(cols):
        cx = left + j * cell + cell / 2
        turn = f' transform="rotate(-30 {cx - 8:.1f} {top - 6})"'
        body.append(text(cx - 8, top - 6, c, anchor="start", extra=turn))
    for i, r in enumerate(rows):
        y0 = top + i * 30
        body.append(text(left - 6, y0 + 19, r, anchor="end"))
        for j, v in enumerate(values[i]):
            x0 = left + j * cell
            if v is None:
                body.append(
                    f'<rect x="{x0}" y="{y0}" width="{cell - 2}" height="28" class="empty">'
                    f"<title>{_e(r)} on {_e(cols[j])}: no result</title></rect>"
                )
                continue
            dark = hi > lo and (v - lo) / (hi - lo) > 0.55
            body.append(
                f'<rect x="{x0}" y="{y0}" width="{cell - 2}" height="28" fill="{_heat(v, lo, hi)}">'
                f"<title>{_e(r)} on {_e(cols[j])}: {v:.2f}</title></rect>"
            )
            body.append(
                text(x0 + cell / 2 - 1, y0 + 19, f"{v:.1f}", "cell dark" if dark else "cell")
            )
    return _svg(width, height, body, "heat map")


def strip(
    rows: Sequence[dict],
    x_label: str,
    clamp: tuple[float, float] | None = None,
    width: int = 420,
    row_h: int = 24,
) -> str:
    """One line per row {label, values, mean, ci: (lo, hi) | None, color}: each seed a dot, the
    mean a bar, the 95% CI a whisker. `clamp` bounds the axis (scores live in 0-100): with two or
    three seeds an interval can be far wider than any score, and is cut at the bound (the exact
    interval is in the whisker's tooltip)."""
    left = 8 + 7 * max((len(r["label"]) for r in rows), default=4)
    height = 44 + row_h * len(rows)
    every = [v for r in rows for v in r["values"]]
    every += [c for r in rows if r.get("ci") for c in r["ci"]]
    if clamp:
        every = [min(max(v, clamp[0]), clamp[1]) for v in every]
    x = Axis.fit(every or [0.0, 1.0], left, width - 16)

    def px(v: float) -> float:
        return x(min(max(v, x.lo), x.hi))

    body = []
    for v, label in x.ticks():
        body.append(line(x(v), 8, x(v), height - 32, "grid"))
        body.append(text(x(v), height - 18, label))
    for k, r in enumerate(rows):
        cy = 8 + k * row_h + row_h / 2
        body.append(text(left - 6, cy + 4, r["label"], anchor="end"))
        if r.get("ci"):
            lo, hi = r["ci"]
            body.append(line(px(lo), cy, px(hi), cy, "ci", f"95% CI [{lo:.2f}, {hi:.2f}]"))
        mean = px(r["mean"])
        body.append(line(mean, cy - 8, mean, cy + 8, "mean", f"mean {r['mean']:.2f}"))
        for n, v in enumerate(r["values"]):
            jitter = ((n % 3) - 1) * 3.0
            tip = r.get("tips", [])[n] if n < len(r.get("tips", [])) else f"{v:.2f}"
            body.append(
                f'<circle cx="{px(v):.1f}" cy="{cy + jitter:.1f}" r="4" fill="{r["color"]}" '
                f'class="seed"><title>{_e(tip)}</title></circle>'
            )
    body.append(text((left + width) / 2, height - 3, x_label, "axis"))
    return _svg(width, height, body, x_label)


def lines(
    series: Sequence[dict],
    x_label: str,
    y_label: str,
    width: int = 560,
    height: int = 320,
) -> str:
    """Line chart: series {label, color, points: [(x, y)], mark: (x, y) or None, tip}. `mark`
    rings one point of a series (e.g. its best checkpoint)."""
    xs = [p[0] for s in series for p in s["points"]]
    ys = [p[1] for s in series for p in s["points"]]
    x = Axis.fit(xs, 64, width - 110)
    y = Axis.fit(ys, height - 44, 16)
    body = _frame(x, y, x_label, y_label, width, height)
    for s in series:
        pts = sorted(s["points"])
        if not pts:
            continue
        path = "M" + " L".join(f"{x(px):.1f} {y(py):.1f}" for px, py in pts)
        body.append(
            f'<path d="{path}" fill="none" stroke="{s["color"]}" stroke-width="2">'
            f"<title>{_e(s.get('tip', s['label']))}</title></path>"
        )
        for px, py in pts:
            body.append(marker(x(px), y(py), "circle", s["color"], f"{s['label']}: {py:.4g}"))
        if s.get("mark") is not None:
            mx, my = s["mark"]
            body.append(f'<circle cx="{x(mx):.1f}" cy="{y(my):.1f}" r="8" class="front-ring"/>')
        last_x, last_y = pts[-1]
        body.append(text(x(last_x) + 8, y(last_y) + 4, s["label"], "pt-label", "start"))
    return _svg(width, height, body, f"{y_label} vs {x_label}")
