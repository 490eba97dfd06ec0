"""The static site: its numbers are `peftbench show`'s on the merged records, every board is
the HTML report of one model and task, bundles are downloadable, and names from bundles are
escaped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from community_util import ATTACKS, merge, pack, rename_run, run_ids, smoke_copy, synthetic_results

from peftbench.board.build import of_folder
from peftbench.cli import main as cli
from peftbench.results.folder import read_folder


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """Alice and Bob each ran the tie grid on toy-sentiment (seeds 1 and 2; Bob's lora and ia3
    got other answers right), plus the smoke runs: real intervals and best sets on two boards. The
    smoke runs on toy-sentiment are left out: their training settings name two settings the
    older grid records lack (not comparable), so that board is the grid's."""
    alice = synthetic_results(tmp_path / "alice", seed=1)
    bob = synthetic_results(tmp_path / "bob", seed=2, changes={"lora": 9, "ia3": 14})
    smoke = smoke_copy(tmp_path / "smoke")
    for name, folder in (("a", alice), ("b", bob), ("s", smoke)):
        assert pack(folder, tmp_path / f"{name}.tar.gz") == 0
    bundles = [tmp_path / f"{n}.tar.gz" for n in "abs"]
    assert merge(tmp_path / "site", *bundles) == 0
    refused = json.loads((tmp_path / "site" / "merge.json").read_text())["refused"]
    assert {r["run_id"] for r in refused} == {r for r in run_ids(smoke) if "toy-sentiment" in r}
    return tmp_path / "site"


def _site_rows(site: Path) -> list[dict]:
    return json.loads((site / "merge.json").read_text())["rows"]


def test_site_numbers_equal_show_on_the_merged_records(site: Path) -> None:
    board = of_folder(read_folder(site / "results"))  # what `peftbench show` prints
    shown = {(r.model, r.method): r for r in board.rows}
    rows = _site_rows(site)
    assert {(r["model"], r["dataset"], r["method"]) for r in rows} == {
        (r.model, d, r.method)
        for r in board.rows
        for d in board.datasets
        if r.scores.get(d) is not None
    }
    assert any(r["score_ci"] and r["score_ci"][0] < r["score_ci"][1] for r in rows)
    assert {r["best"] for r in rows} == {True, False}  # the best set: some in, some out
    for r in rows:
        want = shown[(r["model"], r["method"])]
        d = r["dataset"]
        ci = want.scores_ci.get(d)
        assert r["score"] == want.scores[d]
        assert r["score_ci"] == (list(ci) if ci else None)
        assert r["best"] == want.best_set.scores.get(d, False)
        rank = want.ranks.get(d)
        assert r["rank"] == (list(rank) if rank else None)  # the simultaneous rank interval
        assert r["runs"] == len([x for x in board_runs(site, r)])


def board_runs(site: Path, row: dict) -> list[str]:
    return [
        r.run_id
        for r in read_folder(site / "results").ok
        if (r.model, r.dataset, r.method) == (row["model"], row["dataset"], row["method"])
    ]


def test_the_index_shows_those_numbers(site: Path) -> None:
    page = (site / "index.html").read_text()
    rows = _site_rows(site)
    cells = re.findall(
        r'<tr data-model="[^"]*" data-task="[^"]*" data-method="[^"]*".*?</tr>', page
    )
    assert len(cells) == len(rows)
    for r, html in zip(rows, cells, strict=True):
        score = re.findall(r'data-v="([^"]*)"', html)[3]
        assert float(score) == (r["score"] if r["score"] is not None else -1)
        assert (f" {r['score']:.2f}" in html) or f">{r['score']:.2f}" in html


def test_each_board_is_the_report_of_one_model_and_task(site: Path) -> None:
    boards = json.loads((site / "merge.json").read_text())["boards"]
    assert len(boards) == 2
    for b in boards:
        page = (site / b["file"]).read_text()
        data = json.loads(re.search(r'id="report-data">(.*?)</script>', page, re.S).group(1))
        assert data["board"]["datasets"] == [b["dataset"]]
        assert {r["model"] for r in data["board"]["rows"]} == {b["model"]}
        assert "Pareto fronts" in page and "<svg" in page
        assert 'href="../index.html"' in page


def test_show_reads_the_merged_records(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["show", str(site / "results")]) == 0
    out = capsys.readouterr().out
    assert "lora" in out and "ia3" in out


def test_bundle_downloads_link_to_the_copies(site: Path) -> None:
    page = (site / "index.html").read_text()
    for s in json.loads((site / "merge.json").read_text())["bundles"]:
        assert f'href="{s["file"]}" download' in page
        assert (site / s["file"]).is_file()
        assert s["sha256"] in page


def test_html_in_a_method_or_dataset_name_is_escaped(tmp_path: Path) -> None:
    names = ATTACKS["hostile_names"]
    folder = smoke_copy(tmp_path / "evil", ("lora",))
    for n, rid in enumerate(run_ids(folder)):
        cfg = {"method": names["method"], "dataset": names["dataset"]}
        rename_run(folder, rid, f"evil-run-{n}", config=cfg)
    assert pack(folder, tmp_path / "evil.tar.gz") == 0
    assert merge(tmp_path / "site", tmp_path / "evil.tar.gz") == 0
    pages = [tmp_path / "site" / "index.html", *(tmp_path / "site" / "boards").iterdir()]
    assert len(pages) == 2
    for page in pages:
        text = page.read_text()
        for raw in (names["method"], names["dataset"], "<img src=x", "<script>document"):
            assert raw not in text, (page.name, raw)
        assert "&lt;img src=x" in text
        assert "<" not in page.name
