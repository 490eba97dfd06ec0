"""No orphans: when the main process is SIGKILLed mid-run, its fork server and the worker running a
cell die with it (parent-death signals), and nothing is committed afterwards.

Only the main process is killed (not its process group): that is what an out-of-memory kill or a
`kill -9 <pid>` does, and what left the fork server and its worker training on before.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="parent-death signals are Linux's")

LONG = ["--set", "methods=[lora]", "--set", "datasets=[toy-addition]"]
LONG += ["--set", "training.max_steps=100000", "--set", "measurement.flops=false"]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


@pytest.mark.slow  # a real invocation (torch loads in its fork server): about a minute
def test_workers_die_with_the_main_process(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "peftbench", "run", "smoke", "--out", str(out), "--no-progress"]
    main = subprocess.Popen(
        [*cmd, *LONG],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # a group of its own, used only for cleaning up after a failure
    )
    runs = out / "runs"
    try:
        deadline = time.monotonic() + 300
        workers: set[int] = set()
        while time.monotonic() < deadline and main.poll() is None:
            tmp = [p for p in runs.glob(".tmp-*")] if runs.is_dir() else []
            workers = {int(p.name.split("-")[-2]) for p in tmp}
            if workers and any(_alive(w) for w in workers):
                break
            time.sleep(0.1)
        assert main.poll() is None, main.stderr.read().decode()[-3000:] if main.stderr else ""
        assert workers, "no worker started in time"
        time.sleep(1.0)  # the cell is training now
        family = descendants(main.pid)
        assert workers <= family and len(family) >= 2  # fork server + worker (+ tracker)
        os.kill(main.pid, signal.SIGKILL)
        main.wait(120)
        # generous: bounds a survivor, not how fast a loaded machine tears a torch process down
        deadline = time.monotonic() + 120
        while any(_alive(p) for p in family) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = sorted(p for p in family if _alive(p))
        assert left == [], f"processes outlived the main process: {left}"
        time.sleep(2.0)
        committed = [p.name for p in runs.iterdir() if not p.name.startswith(".")]
        assert committed == [], f"committed after the main process died: {committed}"
    finally:
        for pid in descendants(main.pid) | {main.pid}:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.killpg(main.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
