"""The text leaderboard: the board (board/) as a fixed-width table, also valid Markdown, and what
a reader must know about it. `peftbench run` prints it and writes it as leaderboard.md next to
leaderboard.json (the board serialised); `show` prints it.

Renders the typed board (board/model.py), the data leaderboard.json holds (board/serialise.py),
so any reader of that file sees these numbers. To add a column, add its field in board/model.py
and its cell in `columns`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from peftbench.board.build import of_folder
from peftbench.board.model import Board, Row
from peftbench.board.serialise import plain, to_json
from peftbench.reports import escape, tables
from peftbench.reports.text_table import fixed_width
from peftbench.results.as_data import write_records
from peftbench.results.atomic import write_json, write_text
from peftbench.results.folder import read_folder
from peftbench.scoring.profiles import PROFILES
from peftbench.scoring.sensitivity import is_result, summary


def write(root: Path, board: Board | None = None) -> Board:
    """Write leaderboard.json (the board serialised), leaderboard.md and records.jsonl (the
    records as data: results/as_data.py) into the results folder `root`; the board is built
    from the folder unless given (`run` builds it once)."""
    folder = read_folder(root)
    board = board or of_folder(folder)
    write_json(Path(root) / "leaderboard.json", to_json(board))
    write_records(Path(root), folder.records)
    write_text(Path(root) / "leaderboard.md", render(board, escape.markdown) + "\n")
    return board


def _params(n: int) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= size:
            return f"{n / size:.2f}{unit}"
    return str(n)


def _latency_note(board: Board) -> str:
    refs = [
        f"{model} {ref.ms_per_token:.2f} ms/token (median of {ref.base_measurements} base "
        "measurements)"
        for model, ref in board.latency_reference.items()
        if ref.ms_per_token is not None
    ]
    return (
        "ms/tok = reference base latency x (1 + slowdown); reference: "
        + ("; ".join(refs) or "none")
        + ". slowdown % = median per-pair ratio base vs method, interleaved in one process, "
        "over the method's independent latency runs, with its 95 % interval (run-level t over "
        "runs; (1 run): one run's pairs only, run-to-run variance not included); ! = interval "
        "wider than allowed (flagged, not hidden); train MiB = median peak over its runs"
    )


Column = tuple[str, Callable[[Row], str]]


def _task_cell(dataset: str) -> Callable[[Row], str]:
    return lambda r: tables.score_cell(r, dataset)


def columns(board: Board) -> list[Column]:
    """The text leaderboard's columns in order: (header, a row's cell). Add a column here."""
    per_task = [(d, _task_cell(d)) for d in board.datasets]
    lr: list[Column] = [("lr (search)", tables.lr_cell)] if tables.searched(board) else []
    return [
        ("model", lambda r: r.model),
        ("method", lambda r: r.method + ("" if r.complete else " (partial)")),
        *lr,
        *per_task,
        ("avg", lambda r: tables.score_cell(r)),
        ("avg 95% CI", lambda r: tables.interval(r.score_ci)),
        ("rank", lambda r: tables.rank_cell(r.score_rank)),
        ("vs frozen", tables.vs_cell),
        ("params", lambda r: _params(r.trainable_params)),
        ("params %", lambda r: f"{r.trainable_pct:.3f}"),
        ("ms/tok", lambda r: tables.num(r.latency_ms_per_token)),
        ("slowdown %", tables.slowdown_cell),
        ("train MiB", lambda r: f"{r.peak_train_mem_mb:.0f}"),
        ("pscp", lambda r: tables.pscp_cell(r, "pscp")),
        ("pscp rank", lambda r: tables.rank_cell(r.pscp_rank)),
        ("pscp_paper", lambda r: tables.pscp_cell(r, "pscp_paper")),
        ("Δ general [95% CI]", _retention_cell),
        ("Δ ppl %", _ppl_cell),
    ]


def _ppl_cell(row: Row) -> str:
    value = row.ppl_delta_pct
    return "-" if value is None else f"{value:+.1f}"


def _retention_cell(row: Row) -> str:
    delta, ci = row.retention_delta, row.retention_ci95
    if delta is None:
        return "-"
    return f"{delta:+.1f}" + (f" [{ci[0]:+.1f}, {ci[1]:+.1f}]" if ci else "")


def render(board: Board, esc: Callable[[str], str] = escape.terminal) -> str:
    """Fixed-width text table (also valid Markdown), then what a reader must know about it. The
    PEFT methods come first, ranked by PSCP; the baselines follow under a divider row. `esc`:
    the medium's escaping (reports/escape.py), applied to every cell and line."""
    cols = columns(board)
    rows = []
    divider = False
    for r in shown_rows(board):
        if r.baseline and not divider:
            rows.append(["", tables.BASELINES] + [""] * (len(cols) - 2))
            divider = True
        rows.append([esc(cell(r)) for _, cell in cols])
    table = fixed_width([esc(head) for head, _ in cols], rows, markdown=True)
    return "\n".join([*constraint_lines(board), table, *map(esc, notes(board))])


def notes(board: Board) -> list[str]:
    """The lines under the table: how L and PSCP are made, what the marks mean, sensitivity,
    profiles, then every failed, damaged, ignored and missing run."""
    out = [
        "",
        _latency_note(board),
        f"PEFT methods sorted by pscp ({weights_name(board)}); {board.formulas.pscp} "
        f"(weights {dict(board.scoring.pscp)}); {board.formulas.pscp_paper} "
        f"(constants {dict(board.scoring.pscp_paper)})",
        "task scores: "
        + (
            "PEFT-Bench's metric per dataset (scoring.task_metric: paper)"
            if board.task_metric == "paper"
            else "each dataset's official metric (scoring.task_metric: official)"
        ),
        *tables.uncertainty_notes(board),
        *tables.source_notes(board),
        *([tables.LR_NOTE] if tables.searched(board) else []),
    ]
    for model, result in board.sensitivity.items():
        sens = plain(result)  # scoring.sensitivity.summary reads the JSON form
        if is_result(sens):
            out += [f"{model}: {line}" for line in summary(sens).splitlines()]
    out += profile_lines(board)
    for f in board.failed:
        out.append(f"FAILED {f.run_id}: {f.error}")
    for d in board.damaged:
        out.append(f"DAMAGED {d.run_id}: {d.file}: {d.reason}")
    for df in board.damaged_files:
        out.append(f"DAMAGED {df.file}: {df.reason}")
    if board.ignored:
        out.append(
            f"{len(board.ignored)} run(s) in the folder not asked for by its last invocation: "
            "left out"
        )
    out += [f"note: {n}" for n in board.notes]
    if board.missing:
        out.append(f"missing {len(board.missing)} run(s): {', '.join(board.missing)}")
    return out


def weights_name(board: Board) -> str:
    name = board.profile
    return f"profile {name}" if name else "the suite's own weights"


def shown_rows(board: Board) -> list[Row]:
    """Every row, or only those within the user's limits when the board has limits."""
    cons = board.constraints
    if not cons:
        return list(board.rows)
    within = {(c.model, c.method) for c in cons.within}
    return [r for r in board.rows if (r.model, r.method) in within]


def constraint_lines(board: Board) -> list[str]:
    cons = board.constraints
    if not cons:
        return []
    n = len(cons.within)
    head = f"methods within your limits ({cons.described}): {n} of {len(board.rows)}"
    if not n:
        head += " -- none; relax a limit"
    return [escape.terminal(head), ""]


def profile_lines(board: Board) -> list[str]:
    """Where each method outside the limits fails, and the top method under every profile."""
    out = []
    cons = board.constraints
    for c in cons.outside if cons else ():
        out.append(f"outside the limits: {c.model} {c.method}: {', '.join(c.reasons)}")
    for model, by_profile in board.profiles.items():
        if all(t.pscp is None for t in by_profile.values()):
            continue  # baselines only: no method competes, so no profile has a top
        cells = []
        for name, tops in by_profile.items():
            if name in PROFILES:
                seed, paper = (tables.profile_cell(tops, f) for f, _ in tables.FORMS)
                cells.append(f"{name} {seed}" + (f"/{paper}" if paper != seed else ""))
        out.append(f"{model}: top method by profile (pscp/pscp_paper): {'; '.join(cells)}")
    return out
