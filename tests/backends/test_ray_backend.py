"""The Ray backend on one local cluster (2 CPUs, 2 fake GPUs, 1 custom resource), shared by the
module because Ray takes seconds to start on 2 cores.

Cells other than the real pipeline are defined here and shipped to the workers by value; they
use `ctx.data_dir` (passed through to every task) as a scratch folder to count their attempts.
Ray is an optional extra: without it these tests skip, except under CI=true, where the test extra
installs it and a missing Ray fails them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from needs import missing

from peftbench.backends.options import BackendOptions
from peftbench.backends.ray import resource_request, run_ray
from peftbench.config.schema import ResourceSettings
from peftbench.datasets import LoadContext
from peftbench.errors import UserError
from peftbench.results.record import Efficiency, Metrics, Provenance, Status
from peftbench.results.store import ResultsStore
from peftbench.suite import expand, load_suite
from peftbench.trackers import installed

try:
    import ray
except ImportError:
    ray = None


@pytest.fixture(scope="module")
def cluster() -> Any:
    if ray is None:
        missing("Ray", "pip install 'peftbench[ray]'")
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(
        num_cpus=2,
        num_gpus=2,
        resources={"big_mem": 1},
        object_store_memory=100 * 2**20,
        include_dashboard=False,
        log_to_driver=False,
    )
    yield ray
    ray.shutdown()


def specs(n: int) -> list[Any]:
    """n distinct real run specs (seeds 1..n of LoRA on a toy task)."""
    seeds = ",".join(str(i) for i in range(1, n + 1))
    suite = load_suite("smoke", ["methods=[lora]", "datasets=[toy-addition]", f"seeds=[{seeds}]"])
    return expand(suite)


def attempts(scratch: Path, spec: Any) -> int:
    path = scratch / f"{spec.run_id}.attempts"
    return len(path.read_text().splitlines()) if path.exists() else 0


def _count(spec: Any, ctx: Any) -> int:
    with open(ctx.data_dir / f"{spec.run_id}.attempts", "a") as fh:
        fh.write(f"{os.getpid()}\n")
    return attempts(ctx.data_dir, spec)


def _commit(spec: Any, store: Any, state: str, score: float = 0.0, **extra: Any) -> Status:
    if state == "ok":
        status = Status("ok", spec.run_id, score=score).noted(**extra)
    else:
        status = Status.failed(spec.run_id, extra.pop("error")).noted(**extra)
    writer = store.writer(spec.run_id)
    if status.ok:
        # a complete record, as run_cell writes (record_util is not importable on Ray workers)
        writer.record(Metrics(score=score, metric="accuracy"))
        writer.record(Efficiency(0, 0.0, 1.0, 0.0, 0.0))
        writer.record(Provenance())
    writer.commit(status)
    return status


# How long a cell waits for company at most: only a bound on a hang (a scheduler that never runs
# two at once), never a timing the test relies on.
COMPANY_TIMEOUT_S = 300.0


def _entries(folder: Path) -> int:
    return len(list(folder.iterdir()))


def sleepy_cell(spec: Any, store: Any, ctx: Any, progress: bool) -> Status:
    """Holds its slot until as many cells run together as may (the scratch file `may_overlap`,
    or until no other cell is left to come), then says when it ran and on which (fake) GPU.

    Synchronised through files, not sleeps: on a loaded machine a worker may start seconds after
    the one before it ends, so a fixed sleep could make cells that Ray ran concurrently look
    serial. A cell registers in `running/` and leaves it for `done/` when it ends.
    """
    scratch = Path(ctx.data_dir)
    running, done = scratch / "running", scratch / "done"
    may_overlap = int((scratch / "may_overlap").read_text())
    total = int((scratch / "total").read_text())
    start = time.time()
    (running / spec.run_id).touch()
    deadline = time.monotonic() + COMPANY_TIMEOUT_S
    while time.monotonic() < deadline:
        here = _entries(running)
        if here >= may_overlap or here + _entries(done) >= total:
            break
        time.sleep(0.02)
    time.sleep(0.3)  # stay a moment with the others: a third one running now would be seen
    (done / spec.run_id).touch()
    (running / spec.run_id).unlink()
    gpus = os.environ.get("CUDA_VISIBLE_DEVICES")
    return _commit(spec, store, "ok", 1.0, start=start, end=time.time(), gpus=gpus)


def dies_once_cell(spec: Any, store: Any, ctx: Any, progress: bool) -> Status:
    if _count(spec, ctx) == 1:
        os.kill(os.getpid(), signal.SIGKILL)  # the worker dies as under the OOM killer
    return _commit(spec, store, "ok", 2.0)


def always_dies_cell(spec: Any, store: Any, ctx: Any, progress: bool) -> Status:
    _count(spec, ctx)
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def failing_cell(spec: Any, store: Any, ctx: Any, progress: bool) -> Status:
    """Fails like run_cell does on an error inside a run: records it, returns the status."""
    _count(spec, ctx)
    if spec.seed == 1:
        return _commit(spec, store, "failed", error="ValueError: bad preset")
    if spec.seed == 2:
        raise RuntimeError("escaped the cell")
    return _commit(spec, store, "ok", 3.0)


def run(
    tmp_path: Path, runs: list[Any], cell: Any, may_overlap: int = 1, **resources: Any
) -> tuple[ResultsStore, Path]:
    """`may_overlap`: how many runs the resources let run at once (sleepy_cell waits for them)."""
    store, scratch = ResultsStore(tmp_path / "results"), tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    for name in ("running", "done"):
        (scratch / name).mkdir(exist_ok=True)
    (scratch / "may_overlap").write_text(str(may_overlap))
    (scratch / "total").write_text(str(len(runs)))
    ctx = LoadContext(cache_dir=tmp_path, data_dir=scratch)
    options = BackendOptions(resources=ResourceSettings(**resources))
    run_ray(runs, store, ctx, False, options, cell=cell)
    return store, scratch


def max_overlap(statuses: list[Any]) -> int:
    starts = [(s.extra["start"], 1) for s in statuses]
    events = sorted(starts + [(s.extra["end"], -1) for s in statuses])
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


def test_no_more_concurrent_gpu_runs_than_gpus(cluster: Any, tmp_path: Path) -> None:
    runs = specs(5)
    store, _ = run(tmp_path, runs, sleepy_cell, may_overlap=2, num_cpus=0.25, num_gpus=1)
    statuses = [store.status(r.run_id) for r in runs]
    assert all(s.ok and s.extra["backend"] == "ray" for s in statuses)
    assert max_overlap(statuses) == 2  # CPUs would allow 8: the 2 GPUs are the limit
    for a in statuses:  # runs that overlapped in time were given different GPUs
        for b in statuses:
            x, y = a.extra, b.extra
            if a is not b and x["start"] < y["end"] and y["start"] < x["end"]:
                assert x["gpus"] != y["gpus"]
    assert {s.extra["gpus"] for s in statuses} == {"0", "1"}


def test_custom_resource_limits_concurrency(cluster: Any, tmp_path: Path) -> None:
    runs = specs(2)
    store, _ = run(tmp_path, runs, sleepy_cell, num_cpus=0.25, num_gpus=0, custom={"big_mem": 1})
    assert max_overlap([store.status(r.run_id) for r in runs]) == 1


def test_killed_worker_is_retried(cluster: Any, tmp_path: Path) -> None:
    runs = specs(1)
    store, scratch = run(tmp_path, runs, dies_once_cell, num_gpus=0, max_retries=1)
    assert attempts(scratch, runs[0]) == 2
    assert store.status(runs[0].run_id).ok


def test_worker_that_keeps_dying_is_recorded_failed_after_retries(
    cluster: Any, tmp_path: Path
) -> None:
    runs = specs(1)
    store, scratch = run(tmp_path, runs, always_dies_cell, num_gpus=0, max_retries=1)
    assert attempts(scratch, runs[0]) == 2
    status = store.status(runs[0].run_id)
    assert status.status == "failed" and "gave up after 2 attempts" in status.error


def test_failing_run_is_recorded_once_and_not_retried(cluster: Any, tmp_path: Path) -> None:
    runs = specs(3)
    store, scratch = run(tmp_path, runs, failing_cell, num_gpus=0, max_retries=3)
    by_seed = {r.seed: r for r in runs}
    assert [attempts(scratch, by_seed[s]) for s in (1, 2, 3)] == [1, 1, 1]
    first, second = store.status(by_seed[1].run_id), store.status(by_seed[2].run_id)
    assert first.status == "failed" and first.error == "ValueError: bad preset"
    assert second.status == "failed" and "escaped the cell" in second.error
    assert store.is_complete(by_seed[3].run_id)  # the grid went on
    assert sorted(p.name for p in store.runs_dir.iterdir()) == sorted(r.run_id for r in runs)


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        ({"num_gpus": 3}, "GPU 3"),
        ({"num_cpus": 4}, "CPU 4"),
        ({"custom": {"big_mme": 1}}, "did you mean 'big_mem'"),
        ({"memory_gb": 100_000}, "memory"),
    ],
)
def test_impossible_request_is_refused_before_anything_starts(
    cluster: Any, tmp_path: Path, resources: dict, expected: str
) -> None:
    with pytest.raises(UserError) as err:
        run(tmp_path, specs(1), sleepy_cell, **resources)
    assert expected in f"{err.value.message} {err.value.hint}"
    assert "wait" in err.value.message and "GPU 2" in err.value.message  # what the cluster has
    assert list((tmp_path / "results" / "runs").iterdir()) == []


def test_unset_num_gpus_means_one_per_run_when_the_cluster_has_gpus() -> None:
    gpu_node = [{"Alive": True, "Resources": {"CPU": 8.0, "GPU": 4.0}}]
    cpu_node = [{"Alive": True, "Resources": {"CPU": 8.0}}]
    assert resource_request(ResourceSettings(), gpu_node)["GPU"] == 1.0
    assert resource_request(ResourceSettings(), cpu_node)["GPU"] == 0.0
    dead = [{"Alive": False, "Resources": {"CPU": 8.0, "GPU": 4.0}}, *cpu_node]
    with pytest.raises(UserError):
        resource_request(ResourceSettings(num_gpus=1), dead)


def test_the_driver_logs_each_committed_record_to_the_trackers(
    cluster: Any, tmp_path: Path
) -> None:
    """Records are committed on the driver, so the driver logs them (workers' folders are
    temporary); the tracker's files land in the driver's results folder."""
    from peftbench.trackers.base import Tracking

    if not installed("tensorboard"):
        missing("TensorBoard", "pip install 'peftbench[tensorboard]'")
    runs = specs(2)
    store, scratch = ResultsStore(tmp_path / "results"), tmp_path / "scratch"
    scratch.mkdir()
    options = BackendOptions(tracking=Tracking(("tensorboard",), "smoke", "t0"))
    run_ray(runs, store, LoadContext(tmp_path, scratch), False, options, cell=dies_once_cell)
    notes = [json.loads(x) for x in (store.root / "tracker_log.jsonl").read_text().splitlines()]
    assert sorted(n["run_id"] for n in notes if n["ok"]) == sorted(r.run_id for r in runs)
    for spec in runs:
        assert any((store.root / "tensorboard" / spec.run_id).iterdir())


def test_cli_joins_the_cluster_and_the_driver_writes_real_records(
    cluster: Any, tmp_path: Path
) -> None:
    """`peftbench run --backend ray --address ...` from another process: real tiny runs."""
    address = cluster.get_runtime_context().gcs_address
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "peftbench", "run", "smoke", "--backend", "ray"]
    cmd += ["--address", address, "--out", str(out), "--no-progress"]
    cmd += ["--set", "methods=[frozen,lora]", "--set", "datasets=[toy-addition]"]
    cmd += ["--set", "resources.num_gpus=0"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = sorted((out / "runs").iterdir())
    assert [r.name.split("__")[2] for r in runs] == ["frozen", "lora"]
    for folder in runs:
        status = json.loads((folder / "status.json").read_text())
        assert status["status"] == "ok" and status["backend"] == "ray"
        assert (folder / "metrics.json").is_file() and (folder / "predictions.jsonl").is_file()
    lora = runs[1]
    assert any((lora / "adapter").rglob("*.safetensors"))
    assert "| lora" in proc.stdout


def test_cli_refuses_an_impossible_request_with_exit_2(cluster: Any, tmp_path: Path) -> None:
    address = cluster.get_runtime_context().gcs_address
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "peftbench", "run", "smoke", "--address", address]
    cmd += ["--out", str(out), "--set", "resources.num_gpus=8", "--set", "methods=[frozen]"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and "GPU 8" in proc.stderr
    assert "lower resources.num_gpus to at most 2" in proc.stderr
    assert list((out / "runs").iterdir()) == []
