"""One leaderboard: `run` (leaderboard.md/.json), `show`, `report` (every format) and `compare`
give the same table for the same results folder, also after the folder changed."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

from reports_util import peftbench, run_dirs

from peftbench.reports.leaderboard import write


def _same_everywhere(root: Path, tmp_path: Path) -> dict:
    show = peftbench("show", str(root), cwd=tmp_path)
    assert show.returncode == 0, show.stderr
    written = (root / "leaderboard.md").read_text()
    report = json.loads(
        peftbench("report", str(root), "--format", "json", "--out", "-", cwd=tmp_path).stdout
    )
    board = report["board"]
    assert show.stdout == written  # `show` prints what `run` wrote
    saved = json.loads((root / "leaderboard.json").read_text())
    assert saved["rows"] == board["rows"]  # leaderboard.json is the board, costs included
    # the Markdown and CSV main tables hold the same methods, in the same order, same figures
    main_csv = peftbench(
        "report", str(root), "--format", "csv", "--table", "main", "--out", "-", cwd=tmp_path
    )
    rows = list(csv.DictReader(io.StringIO(main_csv.stdout)))
    assert [r["method"].split(" ")[0] for r in rows] == [r["method"] for r in board["rows"]]
    for got, want in zip(rows, board["rows"], strict=True):  # CSV: plain values
        assert float(got["avg"]) == want["score"]
        assert got["pscp"] == ("" if want["pscp"] is None else str(want["pscp"]))  # baselines: none
    page = peftbench(
        "report", str(root), "--format", "html", "--out", str(tmp_path / "r.html"), cwd=tmp_path
    )
    assert page.returncode == 0
    html = (tmp_path / "r.html").read_text()
    for r in board["rows"]:
        assert r["pscp"] is None or f"{r['pscp']:.2f}" in html
    # compare against itself: each method's average is the board's average
    cmp = json.loads(
        peftbench("compare", str(root), str(root), "--format", "json", cwd=tmp_path).stdout
    )
    averages = {p["method"]: p["average"]["new"]["mean"] for p in cmp["pairs"]}
    assert averages == {r["method"]: r["score"] for r in board["rows"]}
    return board


def test_same_table_everywhere(results: Path, tmp_path: Path) -> None:
    board = _same_everywhere(results, tmp_path)
    assert {r["method"] for r in board["rows"]} == {"frozen", "lora", "ia3"}


def test_same_table_after_a_run_folder_is_added(
    smoke_run: tuple[Path, subprocess.CompletedProcess], copy_results, tmp_path: Path
) -> None:
    """A run folder the last invocation did not ask for (left from another configuration) is
    ignored by every reader alike, and `run`'s leaderboard was built the same way."""
    root = copy_results("extra")
    stray = run_dirs(root, "lora")[0]
    shutil.copytree(stray, root / "runs" / "tiny-llama__stray__lora__s9__0000000000")
    write(root)  # what `peftbench run` writes after its cells
    board = _same_everywhere(root, tmp_path)
    assert board["ignored"] == ["tiny-llama__stray__lora__s9__0000000000"]
