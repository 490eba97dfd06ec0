"""Records written before the typed record (schema version 1, tests/data/records/v1) go through
today's leaderboard and give the figures the old peftbench computed from them."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest
from record_util import V1

from peftbench.board.build import of_folder
from peftbench.board.serialise import to_json
from peftbench.cli import main
from peftbench.results.folder import read_folder

# L (`latency_ms_per_token`) is no longer a run's own figure: it is the grid's reference base
# latency x (1 + the paired slowdown) (docs/measurements.md), so it is checked by that rule below.
# M (`peak_train_mem_mb`) is the median over a row's runs since leaderboard schema 2 (the old
# maximum grew with the grid): checked against the runs' own figures below.
SAME = ("scores", "score", "trainable_params", "trainable_pct")
SAME += ("slowdown_pct", "extra_tflops", "invalid_rate", "runs")


def test_old_records_give_the_old_figures() -> None:
    old = {r["method"]: r for r in json.loads((V1 / "leaderboard.json").read_text())["rows"]}
    folder = read_folder(V1)
    records = folder.records
    board = to_json(of_folder(folder))
    assert [f["method"] for f in board["failed"]] == ["lora"]
    ref = board["latency_reference"][board["rows"][0]["model"]]["ms_per_token"]
    for row in board["rows"]:  # PSCP differs: the old board's maxima spanned 7 methods
        assert {k: row[k] for k in SAME} == {k: old[row["method"]][k] for k in SAME}
        assert row["latency_ms_per_token"] == pytest.approx(ref * (1 + row["slowdown_pct"] / 100))
        assert row["peak_train_mem_mb"] <= old[row["method"]]["peak_train_mem_mb"]
        mems = [r.eff.peak_train_mem_mb for r in records if r.method == row["method"] and r.ok]
        assert row["peak_train_mem_mb"] == pytest.approx(statistics.median(mems))


@pytest.mark.parametrize("fmt", ["md", "csv", "latex", "json", "html"])
def test_every_report_format_reads_old_records(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(V1), "--format", fmt, "--out", str(tmp_path / "r")]) == 0
    assert main(["show", str(V1)]) == 0
    assert "| lora " in capsys.readouterr().out


def test_finished_results_can_be_rescored_without_rerunning() -> None:
    from peftbench.config.schema import PscpSeedSettings, ScoringSettings

    free = ScoringSettings(pscp=PscpSeedSettings(a=0.0, b=0.0, g=0.0))  # costs weigh nothing
    board = to_json(of_folder(read_folder(V1), free))
    peft = [r for r in board["rows"] if not r.get("baseline")]  # baselines carry no PSCP
    assert peft and all(r["pscp"] == r["score"] for r in peft)
    assert {k: board["scoring"]["pscp"][k] for k in "abg"} == {"a": 0.0, "b": 0.0, "g": 0.0}
