"""MLflow: one MLflow run per peftbench run, in the experiment named after the suite.

Where: $MLFLOW_TRACKING_URI when set (a server, a database, a folder); otherwise a local
SQLite store in the results folder, `<out>/mlflow/mlflow.db`, with artifacts in
`<out>/mlflow/artifacts` (MLflow 3 refuses its old plain-folder store unless
MLFLOW_ALLOW_FILE_STORE=true, and recommends SQLite for local use). Read it with
`mlflow ui --backend-store-uri sqlite:///<out>/mlflow/mlflow.db`.

The run is named by its run id and tagged with it, the suite and the invocation; its parameters
are the resolved config, its metrics the figures per training step and every final figure, and
the committed run folder is its artifact (`run/`). A server that does not answer fails after a
few tries (MLflow's own retry settings, lowered here unless set) instead of stalling the grid.
"""

from __future__ import annotations

import os
import posixpath
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from peftbench.trackers import register
from peftbench.trackers.base import RunLog, Tracker

if TYPE_CHECKING:  # mlflow is imported when a run is logged, not with peftbench
    from mlflow.tracking import MlflowClient

# MLflow's per-request limits (LogBatch): 100 params, 100 tags, 1000 metrics; a parameter's
# value at most 6000 characters (the full config is in the artifact's config.json)
MAX_PARAMS, MAX_TAGS, MAX_METRICS, MAX_VALUE = 100, 100, 1000, 6000


def tracking_uri(root: Path, make: bool = False) -> str:
    """$MLFLOW_TRACKING_URI, or the results folder's own SQLite store (its folder made when
    `make`)."""
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"]
    folder = (root / "mlflow").resolve()
    if make:
        folder.mkdir(exist_ok=True)
    return f"sqlite:///{folder}/mlflow.db"


def key(name: str) -> str:
    """`name` as MLflow takes a key: letters, digits, `_-. /:`, a normal relative path, at most
    250 characters (a user's method_params key may hold anything; its value is unchanged)."""
    clean = re.sub(r"[^\w\-. /:]", "_", name)[:250]
    if posixpath.normpath(clean) != clean or clean.startswith((".", "/")):
        clean = "_" + clean.replace("/", "_")
    return clean[:250]


def where(root: Path) -> str:
    uri = tracking_uri(root)
    if uri.startswith("sqlite:///") and not os.environ.get("MLFLOW_TRACKING_URI"):
        return f"{uri} (view: mlflow ui --backend-store-uri {uri})"
    return uri


def _experiment(client: MlflowClient, name: str, root: Path) -> str:
    """The suite's experiment id, created on first use (artifacts beside the default store)."""
    found = client.get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    location = None
    if not os.environ.get("MLFLOW_TRACKING_URI"):
        location = (root / "mlflow" / "artifacts").resolve().as_uri()
    try:
        return str(client.create_experiment(name, artifact_location=location))
    except Exception:  # created meanwhile by another process sharing the store
        found = client.get_experiment_by_name(name)
        if found is None:
            raise
        return str(found.experiment_id)


def log(run: RunLog) -> None:
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri(run.root, make=True))
    experiment = _experiment(client, run.suite, run.root)
    tags = {**run.tags, "peftbench.run_id": run.run_id}
    created = client.create_run(experiment, run_name=run.run_id, tags=tags)
    rid = created.info.run_id
    try:
        now = int(time.time() * 1000)
        params = [Param(key(k), str(v)[:MAX_VALUE]) for k, v in run.params.items()]
        metrics = [Metric(key(k), v, now, step) for step, fig in run.steps for k, v in fig.items()]
        metrics += [Metric(key(k), v, now, 0) for k, v in run.finals.items()]
        for i in range(0, len(params), MAX_PARAMS):
            client.log_batch(rid, params=params[i : i + MAX_PARAMS])
        for i in range(0, len(metrics), MAX_METRICS):
            client.log_batch(rid, metrics=metrics[i : i + MAX_METRICS])
        client.log_artifacts(rid, str(run.folder), "run")
    except BaseException:
        client.set_terminated(rid, status="FAILED")
        raise
    client.set_terminated(rid, status="FINISHED" if run.status == "ok" else "FAILED")


register(
    Tracker(
        name="mlflow",
        module="mlflow",
        package="mlflow",
        log=log,
        where=where,
    )
)
