"""The board's learning-rate column (issue 22 §1): a row whose runs were searched carries the
chosen rate per dataset and the search's cost, counted once per search, and every table shows
it next to the method; a board without searches keeps its columns."""

from __future__ import annotations

import shutil
from pathlib import Path

from board_util import SMOKE

from peftbench.board.build import of_folder
from peftbench.board.serialise import to_json
from peftbench.reports.collect import collect
from peftbench.reports.html import leaderboard_view
from peftbench.reports.leaderboard import render
from peftbench.reports.tables import main_table
from peftbench.results.atomic import write_json
from peftbench.results.folder import read_folder
from peftbench.results.record import Selection, Trial

# per dataset: (search name, the trial scores at 0.001 and 0.01, the chosen rate)
SEARCHES = {
    "toy-addition": ("s-add", (30.0, 20.0), 0.001),
    "toy-sentiment": ("s-sent", (10.0, 50.0), 0.01),
}


def _searched_copy(tmp: Path) -> Path:
    """The smoke results with a search behind every lora run (both seeds share one)."""
    root = tmp / "results"
    shutil.copytree(SMOKE, root)
    for run in (root / "runs").iterdir():
        if "__lora__" not in run.name:
            continue
        dataset = run.name.split("__")[1]
        name, scores, chosen = SEARCHES[dataset]
        trials = (Trial(0.001, scores[0], 10.0), Trial(0.01, scores[1], 20.0))
        write_json(run / Selection.FILE, Selection(chosen, 0.01, trials, 1.0, 8, 1, name).to_json())
    return root


def test_a_searched_row_shows_its_rates_and_the_cost_of_its_searches(tmp_path: Path) -> None:
    folder = read_folder(_searched_copy(tmp_path))
    board = of_folder(folder)
    lora = next(r for r in board.rows if r.method == "lora")
    assert lora.learning_rate is not None
    assert dict(lora.learning_rate.chosen) == {"toy-addition": 0.001, "toy-sentiment": 0.01}
    # two searches (one per dataset), each shared by two seeds: counted once each
    assert (lora.learning_rate.searches, lora.learning_rate.trials) == (2, 2)
    assert lora.learning_rate.seconds == 60.0 and lora.learning_rate.preset == 0.01
    assert all(r.learning_rate is None for r in board.rows if r.method != "lora")
    text = render(board)
    assert "lr (search)" in text and "0.001/0.01 (4 trials, 60 s)" in text
    data = collect(folder.root)
    table = main_table(data)
    assert table.header[1] == "lr (search)"
    cells = {row[0]: row[1] for row in table.rows}
    assert cells["frozen"] == "-"  # trains nothing: no learning rate
    assert cells["ia3"] == "preset"  # trained at the suite's rate, no search
    assert "learning_rate" in (table.csv_header or [])
    assert leaderboard_view(data)["head"][1]["text"] == "lr (search)"
    assert to_json(board)["rows"][0].keys() >= {"learning_rate"}


def test_a_board_without_searches_has_no_lr_column() -> None:
    board = of_folder(read_folder(SMOKE))
    assert all(r.learning_rate is None for r in board.rows)
    assert "lr (search)" not in render(board)
