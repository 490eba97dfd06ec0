"""Weights & Biases, for real, offline: the run file W&B writes, read with W&B's own protobuf
records (tests/trackers/wandb_records.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from needs import need_module
from tracker_util import OK_RUN, SUITE, tracking
from wandb_records import read_records, run_files

from peftbench.results.store import ResultsStore
from peftbench.trackers.report import report_run
from peftbench.trackers.run_log import run_log

need_module("wandb", "pip install 'peftbench[wandb]'", module_level=True)


def _items(items: Any) -> dict[str, Any]:
    return {(i.key or "/".join(i.nested_key)): json.loads(i.value_json) for i in items}


def logged(folder: Path) -> dict[str, Any]:
    """The one run W&B wrote under `folder`: its run record, config, history, summary,
    artifacts and exit code."""
    (path,) = run_files(folder)
    out: dict[str, Any] = {"history": {}, "summary": {}, "config": {}, "artifacts": []}
    for record in read_records(path):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            out["run"] = record.run
            out["config"].update(_items(record.run.config.update))
        elif kind == "config":
            out["config"].update(_items(record.config.update))
        elif kind == "history":
            items = _items(record.history.item)
            out["history"][record.history.step.num] = items
        elif kind == "summary":
            out["summary"].update(_items(record.summary.update))
        elif kind == "artifact":
            out["artifacts"].append(record.artifact)
        elif kind == "exit":
            out["exit_code"] = record.exit.exit_code
    return out


def test_offline_run_holds_config_history_summary_and_the_run_folder(
    store: ResultsStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "wb"))
    monkeypatch.delenv("WANDB_PROJECT", raising=False)
    (tmp_path / "wb").mkdir()
    assert report_run(store, OK_RUN, tracking("wandb")) == []
    got = logged(tmp_path / "wb")
    expected = run_log(store.read(OK_RUN), tracking("wandb"), store.root)
    run = got["run"]
    assert (run.display_name, run.run_group, run.project) == (OK_RUN, SUITE, "peftbench")
    assert run.job_type == "peftbench-run"
    for key, value in expected.params.items():
        assert got["config"][key] == value, key
    losses = {s: f["train/loss"] for s, f in expected.steps if "train/loss" in f}
    assert {s: h["train/loss"] for s, h in got["history"].items() if "train/loss" in h} == losses
    for key, value in expected.finals.items():
        assert got["summary"][key] == pytest.approx(value), key
    (artifact,) = got["artifacts"]
    assert artifact.type == "peftbench-run" and artifact.name == OK_RUN
    files = {entry.path for entry in artifact.manifest.contents}
    assert {"config.json", "metrics.json", "status.json", "train_log.jsonl"} <= files
    assert got["exit_code"] == 0
    assert not (store.root / "wandb").exists()  # WANDB_DIR decides where
    assert not _wandb_children()  # its service stopped: nothing outlives the run


def test_without_wandb_dir_the_files_go_to_the_results_folder(
    store: ResultsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.delenv("WANDB_DIR", raising=False)
    assert report_run(store, OK_RUN, tracking("wandb")) == []
    assert logged(store.root)["run"].display_name == OK_RUN


def test_online_without_an_account_is_a_warning_and_leaves_no_service_behind(
    store: ResultsStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("WANDB_API_KEY", "WANDB_BASE_URL", "NETRC"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc, no W&B settings file
    monkeypatch.setenv("WANDB_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WANDB_MODE", "online")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    (failure,) = report_run(store, OK_RUN, tracking("wandb"))
    assert failure.startswith("wandb: ")
    assert store.read(OK_RUN).ok
    assert not _wandb_children()


def _wandb_children() -> list[int]:
    """This process's child processes that are W&B's service (wandb-core)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and b"wandb-core" in cmdline:
            found.append(int(entry.name))
    return found
