"""Each run as a Ray core task: a grid spread over a cluster's GPUs, no shared file system needed.

Why Ray core tasks (not Ray Tune): a grid is a bag of independent runs, and each needs only a
resource request, a fresh process and crash handling.

- Placement: every run asks for `resources.num_cpus`, `num_gpus` (unset: 1 when the cluster has
  GPUs, else 0), `memory_gb` and custom resources, so Ray never runs more at once than the nodes
  hold. A request that no node can hold would leave Ray waiting forever: it is refused up front.
- Isolation: `max_calls=1` gives every run a fresh worker process, so a crash or a leak ends only
  that run and its peak-memory figure is its own (as with the local backend).
- Failures: a worker that dies (segfault, out-of-memory kill, lost node) is an infrastructure
  failure, retried up to `resources.max_retries` times. An exception inside a run is
  deterministic: the run records it once itself and it is never retried (`retry_exceptions=False`).
- Results: the worker runs the cell into a private temporary folder and returns the record's files;
  the driver commits them through the results store (atomic rename, under the store's lock). So
  workers need no shared file system, and a worker that dies never leaves a half-written record.
  The suite's experiment trackers (`report_to`) log each record on the driver, once committed.

Ray is imported only when this backend runs (`pip install 'peftbench[ray]'`).
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import TYPE_CHECKING, TypedDict

from peftbench.backends.inline import _line
from peftbench.backends.options import BackendOptions
from peftbench.backends.progress import grid_bar
from peftbench.cache import cache_dir
from peftbench.cell import run_cell
from peftbench.config.schema import ResourceSettings
from peftbench.datasets import LoadContext
from peftbench.errors import UserError, did_you_mean
from peftbench.results.record import RunConfig, Status
from peftbench.results.store import ResultsStore
from peftbench.trackers.base import Tracking
from peftbench.trackers.report import report_run

if TYPE_CHECKING:
    from peftbench.config.schema import RunSpec
    from peftbench.datasets.base import LoadContext
    from peftbench.results.store import ResultsStore

# (spec, store, ctx, progress) -> its status; must commit the run's record into `store`.
Cell = Callable[["RunSpec", "ResultsStore", "LoadContext", bool], Status]

HIDDEN = ("node:", "accelerator_type:", "object_store_memory")


class WorkerResult(TypedDict):
    """What `execute` sends back from a worker: the run's status and files, and the node."""

    status: Status
    files: dict[str, bytes]
    node: str


def import_ray() -> ModuleType:
    try:
        import ray
    except ImportError:
        raise UserError(
            "the 'ray' backend needs Ray, which is not installed in this environment",
            "pip install 'peftbench[ray]' (on the driver and on every node of the cluster), "
            "or run with --backend local",
        ) from None
    return ray


def connect(ray: ModuleType, address: str | None) -> bool:
    """Join the cluster at `address` ("auto": the one started by `ray start` on this machine), or
    start a local Ray instance when there is none. True when this call started the connection."""
    if ray.is_initialized():
        return False
    if address:
        probe(address)
    try:
        ray.init(address=address, log_to_driver=False, configure_logging=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise UserError(
            f"could not join the Ray cluster at '{address}': {str(exc).splitlines()[0]}",
            "start the cluster first (`ray start --head` on the head node, `ray start "
            "--address=HEAD:6379` on the others), check the address, or leave out --address "
            "to start a Ray instance on this machine",
        ) from None
    return True


def probe(address: str, timeout: float = 10.0) -> None:
    """Fail fast on a HOST:PORT where nothing listens: Ray itself retries for many minutes."""
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        return  # "auto" and other forms: Ray resolves them and fails quickly when there is none
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
            pass
    except OSError as exc:
        raise UserError(
            f"could not join the Ray cluster at '{address}': nothing answers there ({exc})",
            "start the cluster first (`ray start --head` prints its address), check the host "
            "and port, or leave out --address to start a Ray instance on this machine",
        ) from None


def _visible(resources: Mapping[str, float]) -> dict[str, float]:
    return {k: v for k, v in resources.items() if not k.startswith(HIDDEN)}


def _describe(resources: Mapping[str, float]) -> str:
    parts = []
    for key, value in sorted(_visible(resources).items()):
        shown = f"{value / 2**30:.1f} GB" if key == "memory" else f"{value:g}"
        parts.append(f"{key} {shown}")
    return ", ".join(parts) or "nothing"


def resource_request(
    res: ResourceSettings, nodes: Sequence[Mapping[str, object]]
) -> dict[str, float]:
    """One run's request in Ray's terms ({"CPU", "GPU", "memory" (bytes), custom...}).

    Raises UserError when no alive node could ever hold it: Ray would queue the task forever.
    """
    totals = [_resources(n) for n in nodes if n.get("Alive", True)]
    has_gpu = any(t.get("GPU", 0) > 0 for t in totals)
    gpus = res.num_gpus if res.num_gpus is not None else (1.0 if has_gpu else 0.0)
    request = {"CPU": float(res.num_cpus), "GPU": float(gpus)}
    if res.memory_gb:
        request["memory"] = float(res.memory_gb) * 2**30
    request.update({str(k): float(v) for k, v in res.custom.items()})
    wanted = {k: v for k, v in request.items() if v > 0}
    if any(all(t.get(k, 0.0) >= v for k, v in wanted.items()) for t in totals):
        return request
    offers = "; ".join(f"node {i + 1}: {_describe(t)}" for i, t in enumerate(totals[:8]))
    raise UserError(
        f"no node of the Ray cluster can hold one run's request ({_describe(wanted)}); the "
        f"cluster has {offers or 'no alive nodes'}. Ray would wait for such a node forever, so "
        "nothing was started.",
        _fit_hint(wanted, totals),
    )


def _resources(node: Mapping[str, object]) -> dict[str, float]:
    """A node's resources, as `ray.nodes()` lists them (name -> amount)."""
    resources = node.get("Resources", {})
    return dict(resources) if isinstance(resources, Mapping) else {}


def _fit_hint(wanted: Mapping[str, float], totals: list[dict[str, float]]) -> str:
    """What to change: per resource no node has enough of, the most any node offers."""
    setting = {"CPU": "num_cpus", "GPU": "num_gpus", "memory": "memory_gb"}
    known = sorted({k for t in totals for k in _visible(t)})
    hints = []
    for key, amount in wanted.items():
        most = max((t.get(key, 0.0) for t in totals), default=0.0)
        if most >= amount:
            continue
        name = f"resources.{setting.get(key, 'custom.' + key)}"
        if key not in known and key not in setting:
            guess = did_you_mean(key, known)
            hints.append(
                f"no node has a resource '{key}'"
                + (f" ({guess})" if guess else "")
                + f": fix or drop {name}, or start a node with `ray start --resources="
                f"'{{\"{key}\": {amount:g}}}'`"
            )
        else:
            shown = f"{most / 2**30:.1f}" if key == "memory" else f"{most:g}"
            hints.append(f"lower {name} to at most {shown}, or add a node with more")
    return "; ".join(hints) or (
        "each resource exists on some node, but no single node has them all: lower the "
        "request or add a node that has all of them"
    )


def execute(cell: Cell, spec: RunSpec, data_dir: Path | None) -> WorkerResult:
    """Runs on a worker: the cell into a private store; returns its status and its files."""

    tmp = Path(tempfile.mkdtemp(prefix="peftbench-ray-"))
    try:
        store = ResultsStore(tmp)
        ctx = LoadContext(cache_dir=cache_dir(), data_dir=data_dir)  # this node's own cache
        status = cell(spec, store, ctx, False)
        folder = store.run_dir(spec.run_id)
        files = {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }
        return {"status": status, "files": files, "node": socket.gethostname()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def commit(
    store: ResultsStore, spec: RunSpec, status: Status, files: Mapping[str, bytes]
) -> Status:
    """Write a worker's record into the results folder, on the driver, atomically."""
    writer = store.writer(spec.run_id)
    try:
        for name, data in files.items():
            rel = PurePosixPath(name)
            if rel.is_absolute() or ".." in rel.parts or name == "status.json":
                continue  # status.json is written by commit; nothing may escape the folder
            target = writer.path(str(rel))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if "config.json" not in files:
            writer.record(RunConfig.of(spec))
        writer.commit(status)
    except BaseException:
        writer.abandon()
        raise
    return status


def _failure(ray: ModuleType, spec: RunSpec, exc: Exception, retries: int) -> Status:
    """The failed status of a task Ray gave up on (or whose cell raised past run_cell)."""
    if isinstance(exc, ray.exceptions.RayTaskError):
        cause = getattr(exc, "cause", None) or exc
        why = f"{type(cause).__name__}: {str(cause).strip()}"[:2000]
    else:
        first = (str(exc).strip().splitlines() or [""])[0]
        why = (
            f"{type(exc).__name__}: {first} (infrastructure failure; gave up after "
            f"{retries + 1} attempt{'s' if retries else ''})"
        )
    failed = Status.failed(spec.run_id, why, str(exc)[-20000:])
    return failed.noted(backend="ray", recorded=time.time())


def run_ray(
    runs: Sequence[RunSpec],
    store: ResultsStore,
    ctx: LoadContext,
    progress: bool,
    options: BackendOptions | None = None,
    cell: Cell | None = None,
) -> None:
    """Submit every run as a task, commit each record as its task ends, in completion order."""
    ray = import_ray()
    options = options or BackendOptions()
    if cell is None:
        cell = run_cell
    started_here = connect(ray, options.address)
    refs: dict[object, RunSpec] = {}
    try:
        request = resource_request(options.resources, ray.nodes())
        retries = options.resources.max_retries
        kwargs: dict[str, object] = {
            "num_cpus": request.pop("CPU"),
            "num_gpus": request.pop("GPU"),
            "max_retries": retries,
            "retry_exceptions": False,
        }
        if "memory" in request:
            kwargs["memory"] = request.pop("memory")
        if request:
            kwargs["resources"] = request
        task = ray.remote(max_calls=1)(execute)
        data_dir = ctx.data_dir if ctx is not None else None
        for spec in runs:
            named = task.options(name=f"peftbench:{spec.run_id}", **kwargs)
            ref = named.remote(cell, spec, data_dir)
            refs[ref] = spec
        _collect(ray, refs, store, progress, retries, options.tracking)
    except KeyboardInterrupt:
        for ref in refs:
            ray.cancel(ref, force=True)
        raise
    finally:
        if started_here:
            ray.shutdown()


def _collect(
    ray: ModuleType,
    refs: dict[object, RunSpec],
    store: ResultsStore,
    progress: bool,
    retries: int,
    tracking: Tracking | None = None,
) -> None:
    pending = list(refs)
    with grid_bar(len(pending), progress) as bar:
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                spec = refs[ref]
                try:
                    out: WorkerResult = ray.get(ref)
                    status, files = out["status"], out["files"]
                    status = status.noted(backend="ray", node=out["node"])
                except ray.exceptions.RayError as exc:
                    status, files = _failure(ray, spec, exc, retries), {}
                commit(store, spec, status, files)
                # records are committed here, on the driver: trackers log them here too
                report_run(store, spec.run_id, tracking)
                bar.write(_line(spec, status))
                bar.update(1)


def preflight() -> None:
    """Before anything starts: is Ray installed?"""
    import_ray()


run_ray.preflight = preflight  # type: ignore[attr-defined]
