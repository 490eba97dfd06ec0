"""The paper's tables from the report data: main (methods x datasets, average, PSCP), efficiency,
seed stability, PSCP sensitivity, and the failed/missing runs. One `Table` per table, rendered to
Markdown, CSV or LaTeX by the functions at the end, so the three formats hold the same cells.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeAlias

from peftbench.reports import escape
from peftbench.reports.text_table import fixed_width

if TYPE_CHECKING:
    from peftbench.board.model import (
        Board,
        Json,
        Ranks,
        Row,
        Sensitivity,
        SensitivityForm,
        Top,
    )
    from peftbench.reports.collect import ReportData
    from peftbench.reports.stats import SummaryJSON

# a plain value of a CSV cell (None is written as "")
CsvCell: TypeAlias = str | int | float | bool
# the two PSCP forms, by the name of their row field
Form: TypeAlias = Literal["pscp", "pscp_paper"]


@dataclass
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)
    # plain values for CSV when the shown cells combine several (score, interval, mark)
    csv_header: list[str] | None = None
    csv_rows: list[list[CsvCell]] | None = None


def num(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def params(n: float | None) -> str:
    if n is None:
        return "-"
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= size:
            return f"{n / size:.2f}{unit}"
    return f"{n:.0f}"


def sig(x: float | None, figures: int = 3) -> str:
    """Three significant figures, for quantities spanning many magnitudes (FLOPs, bytes)."""
    if x is None:
        return "-"
    return f"{x:.{figures}g}" if abs(x) < 1e4 else f"{x:,.0f}"


def mean_std(s: SummaryJSON | None, digits: int = 1) -> str:
    if not s:
        return "-"
    if s["std"] is None:
        return num(s["mean"], digits)
    return f"{s['mean']:.{digits}f} ± {s['std']:.{digits}f}"


# The mark after a score: in the 95 % confidence set for the best PEFT method (scoring/best_set.py)
BEST = "*"
BASELINES = "baselines (references, not ranked):"


def mark(in_best_set: bool | None) -> str:
    return f" {BEST}" if in_best_set else ""


def interval(ci: Sequence[float] | None, digits: int = 1, signed: bool = False) -> str:
    if not ci:
        return "-"
    sign = "+" if signed else ""
    return f"[{ci[0]:{sign}.{digits}f}, {ci[1]:{sign}.{digits}f}]"


def estimate_interval(estimate: float, ci: Sequence[float] | None, digits: int = 1) -> str:
    """'52.3 ±2.1' when the interval is symmetric at the printed precision, else
    '0.0 [0.0, 1.0]' (scoring.proportion.format_interval: one way to print an interval)."""
    if not ci:
        return num(estimate, digits)
    from peftbench.scoring.intervals import Interval
    from peftbench.scoring.proportion import format_interval

    return format_interval(Interval(estimate, ci[0], ci[1]), digits)


def pscp_of(row: Row, form: Form) -> float | None:
    """The row's PSCP in `form` (None for a baseline: not ranked)."""
    return row.pscp if form == "pscp" else row.pscp_paper


def best(row: Row, key: Form | Literal["score"], dataset: str | None = None) -> bool:
    """Whether the row is in the 95 % confidence set for the best: on `dataset` when given,
    else on the average score (`key` "score") or a PSCP form."""
    b = row.best_set
    if dataset:
        return bool(b.scores.get(dataset))
    return {"score": b.score, "pscp": b.pscp, "pscp_paper": b.pscp_paper}[key]


def score_cell(row: Row, dataset: str | None = None) -> str:
    """'56.0 ±7.9 *' or '0.0 [0.0, 1.0]': the score, its 95 % interval and the best-set mark;
    the average (dataset None) carries its interval in a column of its own."""
    if dataset is None:
        return num(row.score) + mark(best(row, "score"))
    score = row.scores.get(dataset)
    if score is None:
        return "-"
    ci = row.scores_ci.get(dataset)
    return estimate_interval(score, ci) + mark(best(row, "score", dataset))


def vs_cell(row: Row) -> str:
    """'+12.3 [+5.1, +19.0]': average score minus the reference's, with its paired interval."""
    if row.reference == row.method:
        return "reference"
    vs = row.vs_reference
    if not vs:
        return "-"
    return f"{vs.estimate:+.1f} " + interval([vs.low, vs.high], signed=True)


def pscp_cell(row: Row, form: Form) -> str:
    value = pscp_of(row, form)
    if value is None:
        return "-"
    return f"{value:.2f}" + mark(best(row, form))


def rank_cell(ranks: Ranks | None) -> str:
    """'2' or '1-3': a row's simultaneous 95 % rank interval; '-' when it has none."""
    if not ranks:
        return "-"
    low, high = ranks
    return str(low) if low == high else f"{low}-{high}"


def searched(board: Board) -> bool:
    """Whether any row's learning rate was chosen by a search (then tables show it)."""
    return any(r.learning_rate for r in board.rows)


def lr_cell(row: Row) -> str:
    """'0.002 (4 trials, 312 s)': the searched learning rate (one per dataset when they differ)
    and what its search cost, all trials and seconds; 'preset' for a row without a search, '-'
    for one that trains nothing (no trainable parameters: no learning rate)."""
    lr = row.learning_rate
    if not lr:
        return "-" if row.trainable_params == 0 else "preset"
    rates = "/".join(dict.fromkeys(f"{v:.3g}" for v in lr.chosen.values()))
    return f"{rates} ({lr.trials * lr.searches} trials, {lr.seconds:.0f} s)"


LR_NOTE = (
    "lr (search): the learning rate a search on a dev slice of the train split chose (never "
    "eval; the same number of trials for every trained method, docs/tuning.md), with the "
    "search's cost; 'preset': trained at the suite's rate"
)


def uncertainty_notes(board: Board) -> list[str]:
    """What the marks and intervals mean, which noise they include, and where no PEFT method
    beats the reference (no winner is marked there)."""
    u = board.uncertainty
    if not u:
        return []
    refs = sorted({r for r in u.references.values() if r})
    out = [u.note, u.marks, "noise in the intervals and marks: " + "; ".join(u.noise)]
    if refs:
        out.append(
            f"vs frozen: average score minus that of {', '.join(refs)} on the same items, "
            "with its 95 % paired interval"
        )
    return out + no_winner_notes(board)


def no_winner_notes(board: Board) -> list[str]:
    """One line per model and comparison where no PEFT method beats the reference."""
    out = []
    for model, r in sorted(board.rankings.items()):
        where = [d for d, v in sorted(r.scores.items()) if v.note]
        if r.score and r.score.note:
            where.append("the average (so no PSCP winner either)")
        if where:
            note = next(v.note for v in [*r.scores.values(), r.score] if v and v.note)
            out.append(f"{model}: {note} on {', '.join(where)}: no * there")
    return out


def source_notes(board: Board) -> list[str]:
    """How imported rows were scored and which PSCP terms each model's comparison left out
    (their records never measured the figure; shown as -, never 0). Nothing for a board of
    peftbench's own runs."""
    out = []
    imported = sorted({s for r in board.rows for s in r.sources} - {"peftbench"})
    if imported:
        out.append(
            f"imported records ({', '.join(imported)}) carry each run's accuracy and test-set "
            "size, not per-item scores: their intervals are Wilson intervals of that count, and "
            "their ties (= *) and PSCP ranks compare bootstrap draws of each count unpaired "
            "(conservative: the runs scored the same test items)"
        )
    for model, terms in sorted(board.pscp_left_out.items()):
        forms = [f"{LEFT_OUT_TERMS[t][0]} in {LEFT_OUT_TERMS[t][1]}" for t in terms]
        out.append(
            f"{model}: PSCP computed without {', '.join(forms)}: not in every contestant's "
            "records (imported results that never measured them; shown as -, never 0); the "
            "sensitivity and the profiles' tops are computed without them too"
        )
    return out


# a PSCP term a board may leave out (board.model.LeftOutTerm): its name, the form that reads it
LEFT_OUT_TERMS = {
    "latency_ms_per_token": ("L (latency)", "pscp"),
    "extra_tflops": ("F (extra FLOPs)", "pscp_paper"),
}


def _multi_model(models: Iterable[str]) -> bool:
    return len(set(models)) > 1


def main_table(data: ReportData) -> Table:
    """Methods x datasets with the average, its interval, "vs frozen" and both PSCP forms. Cells
    are the score (mean over seeds) with its 95 % interval, marked when in the confidence set
    for the best, with simultaneous rank intervals; the PEFT methods come first, ranked by PSCP,
    then the baselines as reference rows under a divider row."""
    board = data.board
    multi = _multi_model(r.model for r in board.rows)
    lr = searched(board)
    header = (["model"] if multi else []) + [
        "method",
        *(["lr (search)"] if lr else []),
        *board.datasets,
        "avg",
        "avg 95% CI",
        "rank",
        "vs frozen",
        "PSCP",
        "PSCP rank",
        "PSCP paper",
    ]
    rows = []
    divider = False
    for r in board.rows:
        if r.baseline and not divider:
            lead = [""] if multi else []
            rows.append(lead + [BASELINES] + [""] * (len(header) - len(lead) - 1))
            divider = True
        cells = [r.model] if multi else []
        cells.append(r.method + ("" if r.complete else " (partial)"))
        cells += [lr_cell(r)] if lr else []
        cells += [score_cell(r, d) for d in board.datasets]
        cells += [
            score_cell(r),
            interval(r.score_ci),
            rank_cell(r.score_rank),
            vs_cell(r),
            pscp_cell(r, "pscp"),
            rank_cell(r.pscp_rank),
            pscp_cell(r, "pscp_paper"),
        ]
        rows.append(cells)
    notes = [
        "task scores 0-100, mean over seeds; avg = mean over datasets; PEFT methods sorted by "
        "PSCP, baselines (references) below",
        *uncertainty_notes(board),
        *source_notes(board),
        *([LR_NOTE] if lr else []),
        f"{board.formulas.pscp} with {dict(board.scoring.pscp)}",
        f"{board.formulas.pscp_paper} with {dict(board.scoring.pscp_paper)}",
    ]
    csv_header, csv_rows = _main_values(board)
    return Table("main", "Task scores and PSCP", header, rows, notes, csv_header, csv_rows)


def _main_values(board: Board) -> tuple[list[str], list[list[CsvCell]]]:
    """The main table as plain values: each score with its interval, best-set membership and
    rank interval in own columns."""
    header = ["model", "method", "baseline", "complete"]
    for name in [*board.datasets, "avg"]:
        header += [name, f"{name} ci_low", f"{name} ci_high", f"{name} best set"]
    header += ["avg rank low", "avg rank high"]
    header += ["vs frozen", "vs frozen ci_low", "vs frozen ci_high", "reference"]
    header += ["pscp", "pscp best set", "pscp rank low", "pscp rank high"]
    header += ["pscp_paper", "pscp_paper best set", "noise"]
    lr = searched(board)
    if lr:
        header += ["learning_rate", "lr preset", "lr trials", "lr seconds"]
    rows = []
    for r in board.rows:
        cells: list[CsvCell | None] = [r.model, r.method, r.baseline, r.complete]
        ranked = not r.baseline
        for d in board.datasets:
            ci = r.scores_ci.get(d) or (None, None)
            cells += [r.scores.get(d), *ci, best(r, "score", d) if ranked else None]
        cells += [r.score, *(r.score_ci or (None, None))]
        cells += [best(r, "score") if ranked else None, *(r.score_rank or (None, None))]
        vs = r.vs_reference
        cells += [vs.estimate, vs.low, vs.high] if vs else [None, None, None]
        cells += [r.reference, r.pscp, best(r, "pscp") if ranked else None]
        cells += [*(r.pscp_rank or (None, None))]
        cells += [r.pscp_paper, best(r, "pscp_paper") if ranked else None, r.noise]
        if lr:
            found = r.learning_rate
            rates = "/".join(f"{v:g}" for v in found.chosen.values()) if found else ""
            trials = found.trials * found.searches if found else None
            cells += [rates or None, found.preset if found else None, trials or None]
            cells += [found.seconds if found else None]
        rows.append(["" if c is None else c for c in cells])
    return header, rows


def efficiency_table(data: ReportData) -> Table:
    board = data.board
    multi = _multi_model(r.model for r in board.rows)
    tokens = {t for r in board.rows if (t := r.costs.flops_tokens) is not None}
    tok = f" ({int(next(iter(tokens)))} tok)" if len(tokens) == 1 else ""
    header = (["model"] if multi else []) + [
        "method",
        "trainable",
        "trainable %",
        "adapter KiB",
        f"fwd GFLOPs{tok}",
        "extra GFLOPs",
        "train MiB",
        "ms/token",
        "slowdown %",
        "train s",
    ]
    rows = []
    for r in board.rows:
        c = r.costs
        cells = [r.model] if multi else []
        flops = c.flops
        adapter = c.adapter_bytes
        cells += [
            r.method,
            params(r.trainable_params),
            f"{r.trainable_pct:.3f}",
            num(adapter / 1024 if adapter is not None else None),
            sig(flops / 1e9 if flops is not None else None),
            sig(None if r.extra_tflops is None else r.extra_tflops * 1e3),
            num(r.peak_train_mem_mb, 0),
            num(r.latency_ms_per_token, 2),
            slowdown_cell(r),
            num(c.train_seconds, 1),
        ]
        rows.append(cells)
    kinds = sorted({k for r in board.rows for k in r.costs.memory_kind})
    notes = [
        "latency: the model's reference base latency x (1 + the method's slowdown); slowdown: "
        "over the method's independent latency runs (median per-pair ratio against the base "
        "within a run; run-level t interval over runs), ± its 95 % interval, (1 run) when its "
        "interval counts one run's pairs only, ! when wider than allowed; memory: median peak "
        "over its runs"
    ]
    notes += [f"memory measured as: {k}" for k in kinds]
    return Table("efficiency", "Efficiency", header, rows, notes)


def stability_table(data: ReportData) -> Table:
    """Per-dataset mean ± std and 95% CI over seeds, and the mean std (lower is more stable)."""
    seeds = data.view["seeds"]
    multi = _multi_model(r["model"] for r in seeds["rows"])
    header = (["model"] if multi else []) + ["method", "seeds", *seeds["datasets"]]
    header += ["avg", "avg 95% CI", "mean std"]
    rows = []
    for r in seeds["rows"]:
        cells = [r["model"]] if multi else []
        cells += [r["method"], str(len(r["seeds"]))]
        cells += [mean_std(r["datasets"].get(d)) for d in seeds["datasets"]]
        score = r["score"]
        ci = "-"
        if score and score["ci_low"] is not None:
            ci = f"[{score['ci_low']:.1f}, {score['ci_high']:.1f}]"
        cells += [mean_std(score), ci, num(r["mean_std"], 2)]
        rows.append(cells)
    return Table("stability", "Stability over seeds", header, rows, [seeds["note"]])


FORMS: tuple[tuple[Form, str], ...] = (("pscp", "seed form"), ("pscp_paper", "paper form"))


def _form(forms: Sensitivity, form: Form) -> SensitivityForm:
    return forms.pscp if form == "pscp" else forms.pscp_paper


def sensitivity_summary(data: ReportData) -> Table | None:
    """Per model and PSCP form: which method is on top across the weight combinations, and
    whether the top changes (the reader's conclusion then depends on the weights)."""
    sens = data.board.sensitivity
    if not sens:
        return None
    header = ["model", "form", "varied", "values", "top (suite weights)", "top in", "top changes"]
    header += ["calls inside the noise", "changes beyond the noise"]
    rows = []
    for model, forms in sorted(sens.items()):
        for form, name in FORMS:
            f = _form(forms, form)
            combos = len(f.table)
            tops = ", ".join(f"{m} {n}/{combos}" for m, n in f.tops.items())
            rows.append(
                [
                    model,
                    f"{form} ({name})",
                    "/".join(f.varied),
                    "/".join(f"{v:g}" for v in f.values),
                    str(f.default_top),
                    tops,
                    "YES" if f.top_changes else "no",
                    _of(f.inside_noise, combos),
                    _yes(f.top_changes_beyond_noise),
                ]
            )
    notes = [
        "every combination of the three weights (seed form) or exponents (paper form)",
        "a call is inside the noise when the 95 % confidence set for the best under those "
        "weights holds another method too (the same replicates as the leaderboard's marks); "
        "a change of top method between calls inside the noise is no change of conclusion",
    ]
    return Table("sensitivity", "PSCP sensitivity", header, rows, notes)


def _of(count: int | None, total: int) -> str:
    return "-" if count is None else f"{count}/{total}"


def _yes(flag: bool | None) -> str:
    return "-" if flag is None else ("YES" if flag else "no")


def _best_set_cell(entry: Mapping[str, Json]) -> str:
    """A sensitivity entry's best set: '-' without per-item data, 'none' without a winner."""
    found = entry.get("best_set")
    if not isinstance(found, list):
        return "-"
    return ", ".join(str(m) for m in found) or "none (no winner)"


def _entry_scores(entry: Mapping[str, Json]) -> Mapping[str, Json]:
    """A sensitivity entry's PSCP per method ({} when it has none)."""
    scores = entry.get("scores")
    return scores if isinstance(scores, dict) else {}


def _number(value: Json) -> float | None:
    """A JSON figure: None when absent (null)."""
    assert value is None or isinstance(value, int | float), f"{value!r} is not a number"
    return value


def sensitivity_tables(data: ReportData) -> list[Table]:
    """The full tables: one per model and form, a row per combination with every method's PSCP."""
    out = []
    sens = data.board.sensitivity
    for model, forms in sorted(sens.items()):
        for form, name in FORMS:
            f = _form(forms, form)
            varied = list(f.varied)
            methods = sorted({m for row in f.table for m in _entry_scores(row)})
            header = [*varied, "top", "95% best set", *methods]
            rows = [
                [f"{row.get(k):g}" for k in varied]
                + [str(row.get("top")), _best_set_cell(row)]
                + [num(_number(_entry_scores(row).get(m)), 2) for m in methods]
                for row in f.table
            ]
            notes = [f"{f.formula}; other settings {dict(f.settings)}"]
            key = f"sensitivity-{form}" + (f"-{model}" if len(sens) > 1 else "")
            out.append(Table(key, f"PSCP sensitivity, {name} ({model})", header, rows, notes))
    return out


def problems_table(data: ReportData) -> Table | None:
    """Failed runs with their reason, damaged records (which file, why), and the runs the suite
    expects but the folder lacks."""
    board = data.board
    rows = [["failed", f.run_id, f.method, f.dataset, str(f.error)] for f in board.failed]
    rows += [
        [
            "damaged",
            d.run_id,
            d.method,
            d.dataset,
            f"{d.file}: {d.reason} (left out; `peftbench run` moves it aside and reruns it)",
        ]
        for d in board.damaged
    ]
    rows += [
        ["damaged", d.file, "", "", f"{d.reason} (read with default settings)"]
        for d in board.damaged_files
    ]
    rows += [
        ["missing", rid, "", "", "not run yet (or its folder was removed)"] for rid in board.missing
    ]
    if not rows:
        return None
    return Table(
        "problems", "Failed and missing runs", ["state", "run", "method", "dataset", "reason"], rows
    )


def profiles_table(data: ReportData) -> Table | None:
    """The top method of each model under every PSCP weight profile, side by side."""
    board = data.board
    profiles = board.profiles
    if not profiles:
        return None
    names = list(next(iter(profiles.values())))
    header = ["model", "form", *names]
    rows = [
        [model, f"{form} ({label})", *[profile_cell(by[n], form) for n in names]]
        for model, by in sorted(profiles.items())
        for form, label in FORMS
    ]
    ranked = board.profile or "the suite's own weights"
    notes = [
        "why each profile weighs what it does: docs/profiles.md; `--profile NAME` ranks the "
        f"leaderboard with one (this one: {ranked})",
        "baselines (frozen, full) are references, never the top method",
        "(or ...): the other methods in that profile's 95 % confidence set for the best: the "
        "call is inside the noise; (no winner): no PEFT method beats the reference",
    ]
    return Table("profiles", "Top method under each PSCP profile", header, rows, notes)


def profile_cell(top: Top, form: Form) -> str:
    """'lora', 'lora (or ia3)' inside the noise, 'lora (no winner)'."""
    name = top.pscp if form == "pscp" else top.pscp_paper
    if not name:
        return "-"
    found = top.pscp_best_set if form == "pscp" else top.pscp_paper_best_set
    if found is None:
        return name
    if not found:
        return f"{name} (no winner)"
    others = [m for m in found if m != name]
    return f"{name} (or {', '.join(others)})" if others else name


def constraints_table(data: ReportData) -> Table | None:
    """Each method against the user's limits, in leaderboard order: within, or why not."""
    board = data.board
    cons = board.constraints
    if not cons:
        return None
    outside = {(c.model, c.method): c.reasons for c in cons.outside}
    header = ["model", "method", "within limits", "avg", "train MiB", "slowdown %", "pscp"]
    rows = [
        [
            r.model,
            r.method,
            "no: " + ", ".join(outside[(r.model, r.method)])
            if (r.model, r.method) in outside
            else "yes",
            num(r.score),
            num(r.peak_train_mem_mb, 0),
            num(r.slowdown_pct),
            num(r.pscp, 2),
        ]
        for r in board.rows
    ]
    notes = [f"limits: {cons.described}; ranked by pscp as on the full leaderboard"]
    return Table("constraints", "Methods within your limits", header, rows, notes)


def to_markdown(t: Table) -> str:
    esc = escape.markdown
    lines = [f"### {esc(t.title)}", "", "| " + " | ".join(map(esc, t.header)) + " |"]
    lines.append("|" + "|".join("---" for _ in t.header) + "|")
    lines += ["| " + " | ".join(map(esc, row)) + " |" for row in t.rows]
    if t.notes:
        lines += [""] + [f"_{esc(n)}_  " for n in t.notes]
    return "\n".join(lines)


def to_text(t: Table) -> str:
    """Fixed-width columns for a terminal: the title, then the table, then its notes."""
    numeric = [numeric_column(t, i) for i in range(len(t.header))]
    esc = escape.terminal
    rows = [[esc(c) for c in row] for row in t.rows]
    table = fixed_width([esc(h) for h in t.header], rows, right=numeric)
    return "\n".join([esc(t.title), table, *map(esc, t.notes)])


def _csv_cell(value: CsvCell) -> CsvCell:
    """Text without control characters (a CSV may be printed: `--out -`); numbers unchanged."""
    return escape.terminal(value) if isinstance(value, str) else value


def to_csv(t: Table) -> str:
    """Plain values for spreadsheets and pandas: a 'mean ± std' column becomes two columns."""
    if t.csv_header is not None and t.csv_rows is not None:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([_csv_cell(c) for c in t.csv_header])
        writer.writerows([_csv_cell(c) for c in row] for row in t.csv_rows)
        return buf.getvalue()
    split = [any(" ± " in row[i] for row in t.rows) for i in range(len(t.header))]
    header: list[str] = []
    for h, two in zip(t.header, split, strict=True):
        header += [f"{h} mean", f"{h} std"] if two else [h]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([_csv_cell(c) for c in header])
    for row in t.rows:
        cells: list[str] = []
        for c, two in zip(row, split, strict=True):
            cells += (c.split(" ± ") if " ± " in c else [c, ""]) if two else [c]
        writer.writerow([_csv_cell(c) for c in cells])
    return buf.getvalue()


def numeric_column(t: Table, col: int) -> bool:
    cells = [row[col] for row in t.rows if row[col] != "-"]
    return bool(cells) and all(re.match(r"^[-+\[]?[0-9]", c) for c in cells)


def to_latex(t: Table) -> str:
    """A booktabs table (needs \\usepackage{booktabs}); numeric columns right-aligned."""
    align = "".join("r" if numeric_column(t, i) else "l" for i in range(len(t.header)))
    lines = [
        r"\begin{table}[t]",
        r"\centering",
        r"\small",
        rf"\caption{{{escape.latex(t.title)}}}",
        rf"\label{{tab:peftbench-{t.key}}}",
        rf"\begin{{tabular}}{{{align}}}",
        r"\toprule",
        " & ".join(escape.latex(h) for h in t.header) + r" \\",
        r"\midrule",
    ]
    lines += [" & ".join(escape.latex(c) for c in row) + r" \\" for row in t.rows]
    lines.append(r"\bottomrule")
    lines.append(r"\end{tabular}")
    for note in t.notes:
        lines.append(rf"\par\footnotesize {escape.latex(note)}")
    lines.append(r"\end{table}")
    return "\n".join(lines)


def slowdown_cell(row: Row) -> str:
    """'+1.2±0.8' (95 % half-width) or '+1.2 [-0.1, +3.0]' when asymmetric; ' (1 run)' when the
    interval counts one latency run only; a trailing '!' when wider than allowed."""
    if row.slowdown_pct is None:
        return "-"  # not measured (an imported record)
    text = f"{row.slowdown_pct:+.1f}"
    ci = row.slowdown_ci_pct
    if ci and ci[0] is not None and ci[1] is not None:
        low, high = row.slowdown_pct - ci[0], ci[1] - row.slowdown_pct
        if f"{low:.1f}" == f"{high:.1f}":
            text += f"±{high:.1f}"
        else:
            text += f" [{ci[0]:+.1f}, {ci[1]:+.1f}]"
    if row.latency_runs == 1:
        text += " (1 run)"
    return text + ("!" if row.latency_wide else "")
