"""A tracker that fails never fails or loses the run: the record is already committed and stays
byte for byte; the failure is a warning line and a note in tracker_log.jsonl. A tracker whose
library is missing is refused before anything starts (exit 2, with the pip command)."""

from __future__ import annotations

import dataclasses
import json
import socket
import sys
from pathlib import Path
from typing import Any

import pytest
from needs import need_module
from tracker_util import FAILED_RUN, OK_RUN, tracking

from peftbench.cli import main
from peftbench.results.store import ResultsStore
from peftbench.trackers import TRACKERS
from peftbench.trackers.base import RunLog
from peftbench.trackers.report import LOG, report_run


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _notes(store: ResultsStore) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (store.root / LOG).read_text().splitlines()]


def test_a_tracker_raising_inside_log_is_named_and_the_others_still_log(
    store: ResultsStore, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    need_module("tensorboard", "pip install 'peftbench[tensorboard]'")

    def boom(run: RunLog) -> None:
        raise RuntimeError("the tracking server hung up\nsecond line")

    TRACKERS.discover()
    broken = dataclasses.replace(TRACKERS.get("mlflow"), log=boom)
    monkeypatch.setitem(TRACKERS._entries, "mlflow", broken)
    before = _files(store.run_dir(OK_RUN))
    failures = report_run(store, OK_RUN, tracking("mlflow", "tensorboard"))
    assert failures == ["mlflow: RuntimeError: the tracking server hung up"]
    assert _files(store.run_dir(OK_RUN)) == before and store.read(OK_RUN).ok
    err = capsys.readouterr().err
    assert f"warning: run {OK_RUN} was not logged to mlflow: RuntimeError" in err
    notes = {n["tracker"]: n for n in _notes(store)}
    assert notes["mlflow"]["ok"] is False and "hung up" in notes["mlflow"]["error"]
    assert notes["tensorboard"]["ok"] is True
    assert (store.root / "tensorboard" / OK_RUN).is_dir()


def test_an_unwritable_store_is_a_warning_not_a_lost_run(
    store: ResultsStore, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    need_module("mlflow", "pip install 'peftbench[mlflow]'")
    # nothing can be created under /proc, not even by root
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:////proc/peftbench-no-such/mlflow.db")
    before = _files(store.run_dir(OK_RUN))
    (failure,) = report_run(store, OK_RUN, tracking("mlflow"))
    assert failure.startswith("mlflow: ")
    assert _files(store.run_dir(OK_RUN)) == before and store.read(OK_RUN).ok
    assert "was not logged to mlflow" in capsys.readouterr().err
    assert _notes(store)[0]["ok"] is False


def test_a_tracking_server_that_is_gone_is_a_warning_not_a_stall(
    store: ResultsStore, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    need_module("mlflow", "pip install 'peftbench[mlflow]'")
    with socket.socket() as sock:  # a port that was just free: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")  # no waits between tries
    before = _files(store.run_dir(OK_RUN))
    (failure,) = report_run(store, OK_RUN, tracking("mlflow"))
    assert failure.startswith("mlflow: ") and _files(store.run_dir(OK_RUN)) == before
    assert "was not logged to mlflow" in capsys.readouterr().err


def test_a_failed_run_is_logged_as_failed(store: ResultsStore) -> None:
    need_module("tensorboard", "pip install 'peftbench[tensorboard]'")
    assert report_run(store, FAILED_RUN, tracking("tensorboard")) == []
    assert (store.root / "tensorboard" / FAILED_RUN).is_dir()


def test_an_unreadable_record_is_named_for_every_tracker(
    store: ResultsStore, capsys: pytest.CaptureFixture[str]
) -> None:
    failures = report_run(store, "no-such-run", tracking("mlflow", "wandb"))
    assert len(failures) == 2 and all("could not be read back" in f for f in failures)
    assert not (store.root / "mlflow").exists()  # nothing was sent


def test_no_trackers_no_log(store: ResultsStore) -> None:
    assert report_run(store, OK_RUN, None) == []
    assert report_run(store, OK_RUN, tracking()) == []
    assert not (store.root / LOG).exists()


@pytest.mark.parametrize("name", ["mlflow", "wandb", "tensorboard"])
def test_a_tracker_that_is_not_installed_exits_2_up_front_with_the_pip_command(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, name, None)  # what Python does for a module it cannot import
    out = tmp_path / "r"
    argv = ["run", "smoke", "--set", f"report_to=[{name}]", "--out", str(out), "--dry-run"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"'report_to' lists '{name}'" in err and "not installed" in err
    assert f"pip install 'peftbench[{name}]'" in err and "Traceback" not in err
    assert not out.exists()
