"""The community board as a static site: plain files that work from file:// (no server, no
fetch, nothing loaded from the network).

    index.html                   every board's rows in one table (sort by a header, filter by
                                 model, task, method and best set), the bundles with their sha256
                                 and a download link each, the duplicates and the runs left out
    boards/<model>--<task>.html  one board per model and task: the runs of that model on that
                                 task, built by the one board builder (board/build.py) and
                                 rendered by the HTML report (reports/html.py): leaderboard with
                                 intervals and best sets, Pareto fronts, PSCP, environment
    bundles/NN-<sha256>.tar.gz   each merged bundle, byte for byte
    results/                     the merged results folder (`peftbench show DIR/results`)
    merge.json                   what was merged, as data

A board's per-task score, interval and best set are those `peftbench show` prints for the merged
results folder (tests/community/test_site.py): a board's rows are the rows of one model and the
uncertainty of one task does not depend on the other tasks. Every text from a record is escaped
(the templates autoescape; reports/escape.py for the rest).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from peftbench.board.model import Board, Row
from peftbench.json_types import JSONObject
from peftbench.results.atomic import make_parent, write_json, write_text
from peftbench.results.folder import ResultsFolder, SuiteInfo

if TYPE_CHECKING:
    from peftbench.community.merge import Merged

BOARDS = "boards"
INDEX = "index.html"


@dataclass(frozen=True)
class Page:
    """One board page: its model, task, file (relative to the site) and board."""

    model: str
    dataset: str
    file: str
    board: Board


class RowCells(TypedDict):
    """One row of the index (merge.json `rows`): a method on one model and task."""

    model: str
    dataset: str
    method: str
    baseline: bool
    score: float | None
    score_ci: list[float] | None
    best: bool
    rank: list[int] | None
    pscp: float | None
    pscp_best: bool
    trainable_params: int
    latency_ms_per_token: float | None
    peak_train_mem_mb: float
    runs: int
    board: str  # its board page, relative to the site


class BoardLink(TypedDict):
    model: str
    dataset: str
    file: str


class SiteData(TypedDict):
    """merge.json: what was merged and the index's rows, as data."""

    bundles: list[JSONObject]  # community.merge.Source
    boards: list[BoardLink]
    rows: list[RowCells]
    duplicates: list[JSONObject]  # community.merge.Left
    refused: list[JSONObject]  # community.merge.Left


def slug(text: str) -> str:
    """A file name part for any name: its plain characters, and a digest so names that differ
    only in other characters never share a file."""
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")[:60] or "x"
    return f"{plain}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def write_site(merged: Merged) -> list[Page]:
    """Every board page, the index and merge.json, under `merged.out`."""
    pages = [_board_page(merged, model, dataset) for model, dataset in _boards(merged.folder)]
    write_text(merged.out / INDEX, _index(merged, pages))
    write_json(merged.out / "merge.json", site_data(merged, pages))
    return pages


def _boards(folder: ResultsFolder) -> list[tuple[str, str]]:
    return sorted({(r.model, r.dataset) for r in folder.ok})


def _board_page(merged: Merged, model: str, dataset: str) -> Page:
    """The board of one model on one task, written with the HTML report's renderer."""
    from peftbench.reports import html
    from peftbench.reports.collect import collect

    whole = merged.folder
    records = [r for r in whole.ok if r.model == model and r.dataset == dataset]
    suite = SuiteInfo(f"{model} on {dataset}", "community board", whole.scoring)
    folder = ResultsFolder(whole.root, records, suite, [r.run_id for r in records])
    data = collect(folder)
    view = data.view.copy()
    view["results_dir"] = "results (merged bundles)"
    rel = f"{BOARDS}/{slug(model)}--{slug(dataset)}.html"
    page = html.render(dataclasses.replace(data, view=view)).replace("</header>", _back_link(), 1)
    make_parent(merged.out / rel)
    write_text(merged.out / rel, page)
    return Page(model, dataset, rel, data.board)


def _back_link() -> str:
    return '<p><a href="../index.html" style="color:#fff">&larr; all boards</a></p></header>'


def row_cells(page: Page, row: Row) -> RowCells:
    """The index's figures of one row: the task's score, interval and best set, as `show`."""
    d = page.dataset
    ci = row.scores_ci.get(d)
    return {
        "model": page.model,
        "dataset": d,
        "method": row.method,
        "baseline": row.baseline,
        "score": row.scores.get(d),
        "score_ci": list(ci) if ci else None,
        "best": row.best_set.scores.get(d, False),
        "rank": list(rank) if (rank := row.ranks.get(d)) else None,
        "pscp": row.pscp,
        "pscp_best": row.best_set.pscp,
        "trainable_params": row.trainable_params,
        "latency_ms_per_token": row.latency_ms_per_token,
        "peak_train_mem_mb": row.peak_train_mem_mb,
        "runs": row.runs,
        "board": page.file,
    }


def site_data(merged: Merged, pages: list[Page]) -> SiteData:
    return {
        "bundles": [dataclasses.asdict(s) for s in merged.sources],
        "boards": [{"model": p.model, "dataset": p.dataset, "file": p.file} for p in pages],
        "rows": [row_cells(p, r) for p in pages for r in p.board.rows],
        "duplicates": [dataclasses.asdict(d) for d in merged.duplicates],
        "refused": [dataclasses.asdict(d) for d in merged.refused],
    }


def _index(merged: Merged, pages: list[Page]) -> str:
    from peftbench.community.index import render_index

    return render_index(site_data(merged, pages))
