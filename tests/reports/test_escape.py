"""Everything a record can hold is escaped for each medium: the terminal (no control
sequence), Markdown (no table break, tag or link), LaTeX (no command) and HTML (no tag).
The hostile strings live in data/hostile_names.json."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest
from synthetic import load_grid, write_results

from peftbench.board.build import of_folder
from peftbench.cli import main
from peftbench.reports import escape
from peftbench.reports.collect import collect
from peftbench.reports.leaderboard import render
from peftbench.reports.report import render as report
from peftbench.results.folder import read_folder

HOSTILE = json.loads((Path(__file__).parent / "data" / "hostile_names.json").read_text())
NAME: str = HOSTILE["method"].replace("\\/", "-")  # a run folder name cannot hold "/"
LINK = re.compile(r"(?<!\\)\]\(")  # an unescaped '](' opens a Markdown link


def test_terminal_shows_control_characters_as_codes() -> None:
    out = escape.terminal("a\x1b[31mb\x9b2J\u202ec\n")
    assert out == "a\\x1b[31mb\\x9b2J\\x202ec\\x0a"
    assert escape.terminal("plain 60.0 ±7.0 * Δ") == "plain 60.0 ±7.0 * Δ"


def test_markdown_has_no_tag_table_break_or_link() -> None:
    out = escape.markdown("<script>|[x](javascript:y)&")
    assert "<" not in out and ">" not in out and not LINK.search(out)
    assert "\\|" in out and "&amp;" in out


def test_latex_has_no_command() -> None:
    assert escape.latex("a_b%c$#{}\\") == r"a\_b\%c\$\#\{\}\textbackslash{}"


def test_html_has_no_tag() -> None:
    assert escape.html('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"


@pytest.fixture()
def hostile(tmp_path: Path) -> Path:
    """The tie grid with lora renamed to the hostile name."""
    grid = load_grid("tie_cells.json")
    grid["cells"][NAME] = grid["cells"].pop("lora")
    return write_results(tmp_path / "hostile", grid)


def test_a_hostile_method_name_reaches_no_medium_raw(hostile: Path) -> None:
    board = of_folder(read_folder(hostile))
    assert NAME in {r.method for r in board.rows}  # the record holds it ...
    text = render(board)  # ... the terminal does not
    assert "\x1b" not in text and "\u202e" not in text and "\\x1b[31m" in text
    data = collect(hostile)
    md = report(data, "md")[".md"]
    assert "<script" not in md and "\x1b" not in md and not LINK.search(md)
    assert "&lt;script&gt;" in md
    tex = report(data, "latex")[".tex"]
    assert "\x1b" not in tex and "_$%#" not in tex and r"\_\$\%\#" in tex
    page = report(data, "html")[".html"]
    assert "<script>alert" not in page and "\x1b[31m" not in page
    for text in report(data, "csv").values():
        assert "\x1b" not in text


def test_show_of_one_run_prints_no_control_sequence(hostile: Path) -> None:
    run = next(p for p in (hostile / "runs").iterdir() if "evil" in p.name)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["show", str(run)]) == 0
    assert "\x1b" not in out.getvalue() and "\\x1b[31m" in out.getvalue()
