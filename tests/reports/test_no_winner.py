"""When no PEFT method beats the reference beyond the noise, the board says so on that task and
marks no winner (issue 22, section 3): the SocialIQa shape of tests/reports/data/no_winner.json
through the one board and every place a reader sees it."""

from __future__ import annotations

from pathlib import Path

from synthetic import load_grid, write_results

from peftbench.board.build import of_folder
from peftbench.board.serialise import to_json
from peftbench.reports.collect import collect
from peftbench.reports.formats._common import all_tables
from peftbench.reports.leaderboard import render
from peftbench.reports.report import render as report
from peftbench.results.folder import read_folder

NOTE = "no PEFT method beats frozen beyond the noise"


def test_no_best_mark_when_nothing_beats_frozen(tmp_path: Path) -> None:
    root = write_results(tmp_path / "siqa", load_grid("no_winner.json"))
    typed = of_folder(read_folder(root))
    board = to_json(typed)
    rows = {r["method"]: r for r in board["rows"]}
    assert rows["lora"]["score"] == rows["ia3"]["score"] == 30.5
    assert rows["frozen"]["score"] == 28.25
    for m in ("lora", "ia3"):
        vs = rows[m]["vs_reference"]
        assert vs["low"] < 0.0 < vs["high"]  # both "vs frozen" intervals contain 0
        best = rows[m]["best_set"]
        assert not (
            best["score"] or best["pscp"] or best["pscp_paper"] or any(best["scores"].values())
        )
        assert rows[m]["stats"]["beats_reference"] is False
    ranked = board["rankings"]["tiny-llama"]
    assert ranked["score"]["note"] == NOTE and ranked["score"]["best_set"] == []
    assert ranked["scores"]["toy-sentiment"]["beats_reference"] == []
    assert all(t["pscp_best_set"] == [] for t in board["profiles"]["tiny-llama"].values())
    text = render(typed)
    peft = [line for line in text.splitlines() if "| lora " in line or "| ia3 " in line]
    assert len(peft) == 2 and not any("*" in line for line in peft)
    assert f"tiny-llama: {NOTE} on toy-sentiment, the average" in text
    assert "balanced ia3 (no winner)" in text or "balanced lora (no winner)" in text
    md = "".join(report(collect(root), "md").values())
    assert NOTE in md and "(no winner)" in md
    assert not any(" *" in c for t in all_tables(collect(root)) for r in t.rows for c in r)
