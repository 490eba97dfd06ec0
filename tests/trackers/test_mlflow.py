"""MLflow, for real: a run logged to a local store, read back with MLflow's own client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from needs import need_module
from tracker_util import OK_RUN, SUITE, tracking

from peftbench.results.store import ResultsStore
from peftbench.trackers.report import report_run
from peftbench.trackers.run_log import run_log

need_module("mlflow", "pip install 'peftbench[mlflow]'", module_level=True)


def _read_back(uri: str, run_id: str) -> tuple[object, object]:
    from mlflow import MlflowClient

    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name(SUITE)
    assert experiment is not None, f"no experiment named after the suite in {uri}"
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.run_name == run_id and run.data.tags["peftbench.run_id"] == run_id
    return client, run


def _check_logged(client: object, run: object, store: ResultsStore) -> None:
    """Params = the flattened config, metrics = steps and finals, artifact = the run folder."""
    expected = run_log(store.read(OK_RUN), tracking("mlflow"), store.root)
    rid = run.info.run_id  # type: ignore[attr-defined]
    assert run.info.status == "FINISHED"  # type: ignore[attr-defined]
    assert run.data.params == {k: str(v) for k, v in expected.params.items()}  # type: ignore[attr-defined]
    history = client.get_metric_history(rid, "train/loss")  # type: ignore[attr-defined]
    want = [(s, f["train/loss"]) for s, f in expected.steps if "train/loss" in f]
    assert sorted((m.step, m.value) for m in history) == want
    metrics = run.data.metrics  # type: ignore[attr-defined]
    for key in ("score", "score_ci95_low", "score_ci95_high", "efficiency.latency_ms_per_token"):
        assert metrics[key] == pytest.approx(expected.finals[key])
    assert metrics["score"] == 81.25
    files = {a.path for a in client.list_artifacts(rid, "run")}  # type: ignore[attr-defined]
    assert {f"run/{name}" for name in ("config.json", "metrics.json", "status.json")} <= files
    local = Path(client.download_artifacts(rid, "run/config.json"))  # type: ignore[attr-defined]
    assert json.loads(local.read_text())["run_id"] == OK_RUN


def test_the_default_store_is_in_the_results_folder(
    store: ResultsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert report_run(store, OK_RUN, tracking("mlflow")) == []
    db = store.root / "mlflow" / "mlflow.db"
    assert db.is_file() and any((store.root / "mlflow" / "artifacts").rglob("config.json"))
    client, run = _read_back(f"sqlite:///{db}", OK_RUN)
    _check_logged(client, run, store)


def test_mlflow_tracking_uri_is_honoured_a_local_file_store(
    store: ResultsStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = (tmp_path / "mlruns").as_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 asks for this opt-in
    assert report_run(store, OK_RUN, tracking("mlflow")) == []
    assert not (store.root / "mlflow").exists()
    client, run = _read_back(uri, OK_RUN)
    _check_logged(client, run, store)


def test_saying_where_creates_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from peftbench.trackers import TRACKERS

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    for tracker in TRACKERS:
        assert tracker.where(tmp_path / "r")
    assert not (tmp_path / "r").exists()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://tracking.example:5000")
    assert TRACKERS.get("mlflow").where(tmp_path) == "http://tracking.example:5000"


def test_keys_mlflow_refuses_are_made_ones_it_takes() -> None:
    from mlflow.utils.validation import _validate_param_name

    from peftbench.trackers.mlflow import key

    for name in ("method_params.target_modules", "train/loss", "a*b[0]", "../x", "a//b", "é" * 300):
        _validate_param_name(key(name))
    assert key("train/loss") == "train/loss" and key("a*b") == "a_b"
