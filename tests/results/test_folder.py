"""Reading a results folder: which runs count, old suite files, damaged folder-level files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from record_util import V1

from peftbench.errors import UserError
from peftbench.results.folder import INVOCATIONS, SUITE, read_folder, record_invocation
from peftbench.results.store import ResultsStore

FAILED = "tiny-llama__toy-sentiment__lora__s42__4be7102c83"


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    dst = tmp_path / "results"
    shutil.copytree(V1, dst)
    return dst


def test_an_old_folder_shows_every_run_and_says_so(folder: Path) -> None:
    rf = read_folder(folder)
    assert len(rf.records) == 5 and len(rf.ok) == 4 and [r.run_id for r in rf.failed] == [FAILED]
    assert rf.expected is None and rf.missing == [] and rf.ignored == []
    assert rf.suite is not None and rf.suite.name == "smoke"
    assert any("older peftbench" in n for n in rf.notes)


def test_the_last_invocation_decides_which_runs_count(folder: Path) -> None:
    runs = sorted(d.name for d in (folder / "runs").iterdir())
    suite = json.loads((folder / SUITE).read_text())
    store = ResultsStore(folder)
    record_invocation(store, suite, runs)  # an earlier invocation asked for all of them
    wanted = [r for r in runs if "frozen" in r] + ["tiny-llama__not-run-yet"]
    record_invocation(store, suite, wanted)
    rf = read_folder(folder)
    assert sorted(r.run_id for r in rf.records) == sorted(wanted[:-1])
    assert rf.missing == ["tiny-llama__not-run-yet"]
    assert sorted(rf.ignored) == sorted(set(runs) - set(wanted))
    history = json.loads((folder / INVOCATIONS).read_text())["invocations"]
    assert [len(h["run_ids"]) for h in history] == [5, 3]
    assert rf.notes == []


def test_an_old_suite_file_reads_without_todays_validator(folder: Path) -> None:
    suite = json.loads((folder / SUITE).read_text())
    suite["training"]["a_setting_removed_since"] = 3  # today's validator refuses this
    suite["scoring"]["pscp"] = {"a": 2.0, "old_weight": 1.0}
    suite["backend"] = "a-backend-that-no-longer-exists"
    (folder / SUITE).write_text(json.dumps(suite))
    rf = read_folder(folder)
    assert rf.damaged_files == []
    assert rf.scoring.pscp.a == 2.0 and rf.scoring.pscp.b == 1.0  # defaults for the rest


@pytest.mark.parametrize(
    "text, reason",
    [
        ('{"name": "smoke", "scor', "not valid JSON"),
        ("", "empty"),
        ("[]", "JSON object"),
        ('{"name": "smoke", "scoring": {"pscp": {"a": "heavy"}}}', "should be a number"),
        ('{"name": "smoke", "scoring": {"pscp": {"a": NaN}}}', "finite"),
    ],
)
def test_a_damaged_suite_file_is_named_and_the_runs_still_read(
    folder: Path, text: str, reason: str
) -> None:
    (folder / SUITE).write_text(text)
    rf = read_folder(folder)
    assert [d.file for d in rf.damaged_files] == [SUITE]
    assert reason in rf.damaged_files[0].reason
    assert len(rf.ok) == 4 and rf.scoring.pscp.a == 1.0  # default scoring


@pytest.mark.parametrize("text", ['{"invocations": [{"run_ids": ["a"', "", '{"invocations": 3}'])
def test_a_damaged_invocation_list_is_named_and_every_run_shown(folder: Path, text: str) -> None:
    (folder / INVOCATIONS).write_text(text)
    rf = read_folder(folder)
    assert [d.file for d in rf.damaged_files] == [INVOCATIONS]
    assert len(rf.records) == 5 and rf.expected is None


def test_recording_an_invocation_over_damaged_files_writes_them_afresh(folder: Path) -> None:
    (folder / INVOCATIONS).write_text("{")
    (folder / SUITE).write_text("")
    record_invocation(ResultsStore(folder), {"name": "smoke"}, [FAILED])
    rf = read_folder(folder)
    assert rf.damaged_files == [] and [r.run_id for r in rf.records] == [FAILED]


def test_not_a_results_folder(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not a results folder"):
        read_folder(tmp_path)
