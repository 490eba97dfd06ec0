"""The one atomic writer: a failed write names the path and the reason, leaves the previous
file intact and no temporary file; `peftbench report` exits non-zero on it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from record_util import V1

from peftbench.cli import main
from peftbench.results import atomic
from peftbench.results.atomic import WriteError, write_json, write_text


def test_writes_whole_files(tmp_path: Path) -> None:
    write_json(tmp_path / "a.json", {"b": 1, "a": [1, 2]})
    assert (tmp_path / "a.json").read_text() == '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_a_folder_in_the_way_is_an_error_naming_path_and_reason(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.mkdir()
    with pytest.raises(WriteError, match=r"could not write .*report\.md: Is a directory"):
        write_text(target, "x")
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]  # no temporary file left


def test_a_failed_write_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "leaderboard.md"
    write_text(target, "the old table\n")

    def full_disk(fd: int) -> None:
        raise OSError(28, os.strerror(28))

    monkeypatch.setattr(atomic.os, "fsync", full_disk)
    with pytest.raises(WriteError, match="No space left on device"):
        write_text(target, "a new table that does not fit\n")
    assert target.read_text() == "the old table\n"
    assert [p.name for p in tmp_path.iterdir()] == ["leaderboard.md"]


def test_report_exits_non_zero_with_the_path_and_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "results"
    shutil.copytree(V1, results)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for out in (blocker / "report.md", tmp_path):  # parent is a file; target is a folder
        code = main(["report", str(results), "--format", "md", "--out", str(out)])
        err = capsys.readouterr().err
        assert code != 0 and str(out) in err and "Traceback" not in err


def test_run_exits_non_zero_when_its_report_cannot_be_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from peftbench.board.build import of_folder
    from peftbench.cli.run import _write_run_report
    from peftbench.results.folder import read_folder

    results = tmp_path / "results"
    shutil.copytree(V1, results)
    (results / "report.html").mkdir()  # a folder where the report goes
    assert _write_run_report(results, of_folder(read_folder(results))) is False
    err = capsys.readouterr().err
    assert f"could not write {results / 'report.html'}: Is a directory" in err
    assert (results / "report.html").is_dir()
