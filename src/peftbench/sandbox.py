"""Run untrusted (model-generated) Python code in a separate, limited process.

Generated code is never executed in the benchmark's own process (SPEC section 4). `run_code` starts
`python -I -B` in a fresh temporary directory (deleted afterwards) with an empty-ish environment,
and layers defences so that one missing layer does not leave the machine exposed:

- OS layer (the real boundary): a new session (the whole process group is SIGKILLed when the run
  ends or times out); rlimits on CPU seconds, address space, file size, core dumps and processes;
  when we are root, a new network namespace (`unshare(CLONE_NEWNET)`: no interface but a down
  loopback) and a drop to a fresh, unused uid, so RLIMIT_NPROC really limits (root is exempt from
  it), the code cannot write anywhere it does not own, and every process left under that uid is
  killed afterwards. Without root we try an unprivileged user+network namespace instead.
- Python layer (a tripwire for accidents): an audit hook, which user code cannot remove, refuses
  sockets, writes outside the working directory, subprocesses (unless allowed), signals to other
  processes, ctypes and gc introspection.

Which layers were in force is reported in `SandboxResult.isolation`. Limits are applied by the
trusted bootstrap at the start of the child, before any user code is compiled: this is what a
`preexec_fn` would do, without `preexec_fn`'s deadlock risk in a threaded parent (torch).
Threat model: buggy or careless generated code, not a determined attacker (for example, direct
`_posixsubprocess` calls or `dir_fd`-relative writes slip past the Python layer; the OS layer
still contains them).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Unused uid range (systemd's UID allocation leaves 0x70000000-0x7FFDFFFF unassigned): a fresh uid
# per run gives each run its own process count and lets us kill everything it left behind.
_UID_LOW, _UID_HIGH = 0x70000000, 0x7FFD0000
# The trusted bootstrap the child runs before the user's code (a script: no peftbench imports).
_CHILD = Path(__file__).with_name("_sandbox_child.py")


@dataclass(frozen=True)
class SandboxResult:
    ok: bool  # exited with status 0 within the time limit
    stdout: str
    stderr: str
    returncode: int | None  # negative: killed by that signal; None if never collected
    timed_out: bool
    output_truncated: bool  # stdout or stderr reached `max_output_bytes`
    duration_s: float
    isolation: tuple[str, ...]  # layers in force, e.g. ("rlimits", "session", "netns", ...)


def run_code(
    code: str,
    stdin: str = "",
    timeout_s: float = 5,
    memory_mb: int = 512,
    *,
    max_processes: int = 16,
    max_output_bytes: int = 8 * 2**20,
    allow_subprocess: bool = False,
    python: str | None = None,
) -> SandboxResult:
    """Run `code` as `__main__` in a sandboxed child process and collect its output.

    `max_processes` counts processes and threads of the sandbox uid (RLIMIT_NPROC).
    `allow_subprocess` lifts only the Python-layer ban on fork/exec; the OS limits stay.
    """
    outer = Path(tempfile.mkdtemp(prefix="peftbench-sandbox-"))
    start = time.perf_counter()
    try:
        os.chmod(outer, 0o711)  # the child may traverse to its work dir but not list or write here
        work = outer / "work"
        work.mkdir()
        uid = random.SystemRandom().randrange(_UID_LOW, _UID_HIGH) if os.geteuid() == 0 else None
        if uid is not None:
            os.chown(work, uid, uid)
        code_path = outer / "solution.py"
        code_path.write_text(code, encoding="utf-8")
        (outer / "stdin").write_text(stdin, encoding="utf-8")
        status_r, status_w = os.pipe()
        cfg = {
            "code": str(code_path),
            "root": str(work),
            "uid": uid,
            "memory": memory_mb * 2**20,
            "cpu": math.ceil(timeout_s) + 1,
            "fsize": max_output_bytes,
            "nproc": max_processes,
            "subprocess": allow_subprocess,
            "status_fd": status_w,
        }
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(work),
            "TMPDIR": str(work),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "OMP_NUM_THREADS": "1",  # native libraries must not start a thread per core
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
        argv = [python or sys.executable, "-I", "-B", str(_CHILD), json.dumps(cfg)]
        try:
            with (
                open(outer / "stdin", "rb") as fin,
                open(outer / "stdout", "wb") as fout,
                open(outer / "stderr", "wb") as ferr,
            ):
                try:
                    proc = subprocess.Popen(
                        argv,
                        stdin=fin,
                        stdout=fout,
                        stderr=ferr,
                        cwd=work,
                        env=env,
                        start_new_session=True,
                        pass_fds=(status_w,),
                        close_fds=True,
                    )
                finally:
                    os.close(status_w)
            try:
                timed_out = not _wait_exited(proc.pid, timeout_s)
                _kill_everything(proc.pid, uid, str(outer))
                returncode: int | None = proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                returncode = None
            os.set_blocking(status_r, False)  # never wait on a writer that should be dead
            try:
                status = os.read(status_r, 65536).decode("utf-8", "replace")
            except BlockingIOError:
                status = ""
        finally:
            os.close(status_r)
        stdout, out_full = _read_capped(outer / "stdout", max_output_bytes)
        stderr, err_full = _read_capped(outer / "stderr", max_output_bytes)
    finally:
        _remove_tree(outer)
    layers = ("session", *tuple(status.split())) if status else ("session",)
    return SandboxResult(
        ok=returncode == 0 and not timed_out,
        stdout=stdout,
        stderr=stderr,
        returncode=returncode,
        timed_out=timed_out,
        output_truncated=out_full or err_full,
        duration_s=time.perf_counter() - start,
        isolation=layers,
    )


def _wait_exited(pid: int, timeout_s: float) -> bool:
    """Wait until the child exits, without reaping it: a zombie leader keeps its process group id
    reserved, so the `killpg` that follows cannot hit an unrelated group that reused the pid."""
    deadline = time.monotonic() + timeout_s
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    if pidfd is not None:  # readable once the process has exited (poll: fds may be > 1024)
        try:
            poller = select.poll()
            poller.register(pidfd, select.POLLIN)
            return bool(poller.poll(max(0, math.ceil(timeout_s * 1000))))
        finally:
            os.close(pidfd)
    delay = 0.001
    while True:  # fallback: poll
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if info is not None:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.02)


def _kill_everything(pid: int, uid: int | None, marker: str) -> None:
    """SIGKILL the child's process group, then any process that left it (`setsid`): with a private
    uid, every process of that uid; without, every process whose command line names our directory
    (forks inherit it; a process that also `exec`s something else escapes this fallback)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    for _ in range(100):  # a fork bomb may still be forking: repeat until nothing is left
        alive = _leftovers(uid, marker.encode())
        if not alive:
            return
        for p in alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(p, signal.SIGKILL)
        time.sleep(0.005)


def _leftovers(uid: int | None, marker: bytes) -> list[int]:
    """Live (not zombie) processes of the run."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
            if state in (b"Z", b"X"):
                continue
            if uid is not None:
                with open(f"/proc/{entry}/status", "rb") as f:
                    line = next(ln for ln in f if ln.startswith(b"Uid:"))
                mine = int(line.split()[1]) == uid
            else:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    mine = marker in f.read()
        except (OSError, StopIteration, IndexError):
            continue
        if mine:
            found.append(int(entry))
    return found


def _read_capped(path: Path, limit: int) -> tuple[str, bool]:
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    return data[:limit].decode("utf-8", "replace"), len(data) >= limit


def _remove_tree(path: Path) -> None:
    """Delete the run's directory even if the code made parts of it unreadable."""

    def fix(func, p, _exc):
        try:
            os.chmod(os.path.dirname(p), 0o700)
            os.chmod(p, 0o700)
            func(p)
        except OSError:
            pass

    shutil.rmtree(path, onerror=fix)
