"""Crash safety and determinism through the real command line, on a 3-run tiny grid.

The grid is started in its own process group and SIGKILLed (driver, fork server and the run in
flight) as soon as a record is complete, then run again. The killed folder must hold only
complete records; the resumed run must skip them untouched and finish the rest.

Two invocations with overlapping method lists write into one other folder at once: together they
must leave every record complete. That folder then serves as the reference for determinism: every
run of the resumed grid was computed again there, by other processes, so equal scores and
predictions and bit-identical adapter weights show that a run is deterministic on one machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

GRID = ["--set", "methods=[frozen,lora,adapter]", "--set", "datasets=[toy-addition]"]
GRID += ["--set", "training.max_steps=12", "--set", "measurement.flops=false"]
GRID += [
    "--set",
    "measurement.latency={prompt_tokens: 8, new_tokens: 2, warmup: 0, min_pairs: 1, max_pairs: 1}",
]
RECORD = ["config.json", "metrics.json", "efficiency.json", "provenance.json", "predictions.jsonl"]


def command(out: Path) -> list[str]:
    return [sys.executable, "-m", "peftbench", "run", "smoke", "--out", str(out), "--no-progress"]


def run(out: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [*command(out), *GRID, *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=out.parent)


def complete(out: Path) -> list[Path]:
    runs = out / "runs"
    if not runs.is_dir():
        return []
    return sorted(p for p in runs.iterdir() if not p.name.startswith(".") and p.is_dir())


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(f.relative_to(folder).as_posix().encode() + f.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The grid killed with SIGKILL mid-way: (results folder, digest of each record then)."""
    out = tmp_path_factory.mktemp("killed") / "out"
    proc = subprocess.Popen(
        [*command(out), *GRID],
        cwd=out.parent,
        start_new_session=True,  # its own process group: the kill reaches every process of it
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 900  # bounds a hang only: a loaded machine may take minutes
    while not complete(out) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)
    return out, {p.name: digest(p) for p in complete(out)}


def test_kill_leaves_only_complete_records(killed: tuple[Path, dict[str, str]]) -> None:
    out, before = killed
    assert 1 <= len(before) < 3, "the kill must land mid-grid"
    for folder in complete(out):
        status = json.loads((folder / "status.json").read_text())
        assert status["status"] == "ok"
        for name in RECORD:
            assert (folder / name).is_file(), f"{folder.name} lacks {name}"


@pytest.fixture(scope="module")
def resumed(killed: tuple[Path, dict[str, str]]) -> subprocess.CompletedProcess:
    out, _ = killed
    return run(out)


def test_resume_keeps_completed_runs_and_finishes_the_rest(
    killed: tuple[Path, dict[str, str]], resumed: subprocess.CompletedProcess
) -> None:
    out, before = killed
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"{len(before)} of 3 runs already complete" in resumed.stdout
    records = complete(out)
    assert len(records) == 3
    after = {p.name: digest(p) for p in records}
    assert {k: after[k] for k in before} == before  # untouched by the second invocation
    for folder in records:
        assert json.loads((folder / "status.json").read_text())["status"] == "ok"
    leftovers = [p.name for p in (out / "runs").iterdir() if p.name.startswith(".")]
    assert leftovers == []  # the killed run's temporary folder was swept
    board = json.loads((out / "leaderboard.json").read_text())
    assert len(board["rows"]) == 3 and not board["failed"]


def test_same_run_twice_gives_same_score_and_adapter_weights(
    two_writers: Path, killed: tuple[Path, dict[str, str]], resumed: subprocess.CompletedProcess
) -> None:
    from safetensors.torch import load_file

    out, _ = killed
    assert resumed.returncode == 0
    ref = {p.name: p for p in complete(two_writers)}
    assert sorted(ref) == [p.name for p in complete(out)]
    for folder in complete(out):
        twin = ref[folder.name]
        for name in ("metrics.json", "predictions.jsonl"):
            a, b = (folder / name).read_text(), (twin / name).read_text()
            if name == "metrics.json":
                a, b = json.loads(a), json.loads(b)
                a.pop("eval_seconds"), b.pop("eval_seconds")
            assert a == b, f"{folder.name}: {name} differs between two runs"
        files = sorted(p.relative_to(folder) for p in folder.rglob("*.safetensors"))
        assert files == sorted(p.relative_to(twin) for p in twin.rglob("*.safetensors"))
        trained = json.loads((folder / "efficiency.json").read_text())["trained"]
        assert bool(files) == trained
        for rel in files:
            x, y = load_file(str(folder / rel)), load_file(str(twin / rel))
            assert x.keys() == y.keys()
            for key in x:
                assert x[key].equal(y[key]), f"{folder.name}: {key} differs between two runs"


@pytest.fixture(scope="module")
def two_writers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("two")
    out = tmp_path / "out"
    cmds = [
        [*command(out), "--set", f"methods=[{m}]", *GRID[2:]]
        for m in ("frozen,lora", "lora,adapter")  # overlap: both run lora
    ]
    procs = [
        subprocess.Popen(c, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in cmds
    ]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-3000:]
    return out


def test_two_processes_writing_one_folder_lose_nothing(two_writers: Path) -> None:
    out = two_writers
    records = complete(out)
    assert sorted(r.name.split("__")[2] for r in records) == ["adapter", "frozen", "lora"]
    for folder in records:
        assert json.loads((folder / "status.json").read_text())["status"] == "ok"
        for name in RECORD:
            assert (folder / name).is_file()
    assert [p.name for p in (out / "runs").iterdir() if p.name.startswith(".")] == []
