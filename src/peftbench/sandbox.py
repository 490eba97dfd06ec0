"""Run untrusted (model-generated) Python code in a separate, isolated process.

Generated code is never executed in the benchmark's own process. `run_code` starts
`python -I -B _sandbox_child.py` in a fresh temporary directory (deleted afterwards) with a minimal
environment; that trusted bootstrap layers the defences (details in _sandbox_child.py), so that
one missing layer does not leave the machine exposed:

- rlimits (CPU seconds, address space, file size, no core dumps, processes) and a new session;
- namespaces: network (no interface but a down loopback), PID (the code sees only its own
  processes; they all die with the sandbox's PID 1), IPC, UTS and mount; in the mount namespace
  the child pivots into a private read-only root holding only the Python installation, the system
  libraries, a few /dev nodes, a fresh /proc and its work folder (nothing of /root, /home, /etc);
  without root, an unprivileged user namespace makes this possible;
- privileges: every capability dropped (bounding set included) and, as root, a switch to a fresh
  unused uid, so RLIMIT_NPROC really limits and every process it left can be killed by uid;
  no-new-privs;
- Landlock (where the kernel has it): reads limited to those paths, writes to the work folder,
  TCP bind/connect refused, signals scoped to the sandbox;
- seccomp (x86_64, a hand-assembled BPF filter; no compiled dependency): sockets, ptrace, mount,
  namespace, module, bpf, io_uring, kexec and similar calls are refused, and fork/exec unless
  `allow_subprocess`;
- an audit hook (a tripwire for accidents, not a boundary): refuses sockets, writes outside the
  work folder, subprocesses, loading `_posixsubprocess`, signals to other processes, ctypes.

Where namespaces are refused (some containers), the fallback is uid + capabilities + Landlock +
seccomp; with neither a mount namespace nor Landlock the run is refused (fail closed:
`SandboxUnavailable`, never a silent failure of the code). Which layers
held is in `SandboxResult.isolation`, and `isolation_report()` sums them up for the run record.
Limits are applied by the bootstrap before any user code is compiled: what a `preexec_fn` would do,
without `preexec_fn`'s deadlock risk in a threaded parent (torch). tests/test_sandbox_attacks.py
runs the attack table against every mode.
"""

from __future__ import annotations

import contextlib
import marshal
import math
import os
import random
import select
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

# Unused uid range (systemd's UID allocation leaves 0x70000000-0x7FFDFFFF unassigned): a fresh uid
# per run gives each run its own process count and lets us kill everything it left behind.
_UID_LOW, _UID_HIGH = 0x70000000, 0x7FFD0000
# The trusted bootstrap the child runs before the user's code (a script: no peftbench imports).
_CHILD = Path(__file__).with_name("_sandbox_child.py")
MAX_FILES = 4096  # entries in the work folder (the tmpfs's inodes; the watchdog's count)
_WATCH_S = 0.05  # how often the host looks at the work folder (the fallback's disk limit)


class SandboxUnavailable(RuntimeError):
    """The sandbox could not isolate the run, so nothing ran (never a silent score of 0)."""


@dataclass(frozen=True)
class SandboxResult:
    ok: bool  # exited with status 0 within the time and disk limits
    stdout: str
    stderr: str
    returncode: int | None  # negative: killed by that signal; None if never collected
    timed_out: bool
    output_truncated: bool  # stdout or stderr reached `max_output_bytes`
    duration_s: float
    isolation: tuple[str, ...]  # layers in force, e.g. ("rlimits", "session", "netns", ...)
    disk_exceeded: bool = False  # killed by the work-folder watchdog (fallback mode only)


def run_code(
    code: str,
    stdin: str = "",
    timeout_s: float = 5,
    memory_mb: int = 512,
    *,
    disk_mb: int = 64,
    max_processes: int = 16,
    max_output_bytes: int = 8 * 2**20,
    allow_subprocess: bool = False,
    python: str | None = None,
    namespaces: bool = True,
    without: frozenset[str] = frozenset(),
) -> SandboxResult:
    """Run `code` as `__main__` in a sandboxed child process and collect its output.

    `memory_mb` bounds the address space; shared memory that no mapping holds (memfd, SysV,
    POSIX message queues) is refused by seccomp and there is no writable /dev/shm, so nothing
    escapes the count. `disk_mb` bounds the work folder (a tmpfs of that size, at most
    `MAX_FILES` entries; in the fallback, a watchdog), and RLIMIT_FSIZE bounds each file to
    `max_output_bytes`. The work folder's memory adds to `memory_mb`.
    `max_processes` counts processes and threads of the sandbox uid (RLIMIT_NPROC).
    `allow_subprocess` lifts the bans on fork/exec (audit hook, seccomp); the other layers stay.
    `namespaces=False` runs the fallback used where namespaces are refused (uid, capabilities,
    Landlock), so that it can be tested where namespaces work. `without` leaves out layers
    ({"audit-hook", "seccomp", "landlock"}): the attack tests use it to show that the others hold
    on their own.
    """
    _check_layers(without)
    outer = Path(tempfile.mkdtemp(prefix="peftbench-sandbox-"))
    start = time.perf_counter()
    stdio: list[int] = []
    try:
        work, uid = _prepare_run_dir(outer, code)
        stdio = _stdio(outer, stdin)
        status_r, status_w = os.pipe()
        config = _child_config(
            outer,
            uid,
            status_w,
            memory_mb=memory_mb,
            disk_mb=disk_mb,
            timeout_s=timeout_s,
            max_output_bytes=max_output_bytes,
            max_processes=max_processes,
            allow_subprocess=allow_subprocess,
            namespaces=namespaces,
            without=without,
        )
        # the plain path names the run in every process's command line (the fallback's hunt)
        argv = [python or sys.executable, "-I", "-B", str(_CHILD), config, str(outer)]
        try:
            proc = _start_child(argv, stdio, work, status_w)
            watch = _Watchdog(work, disk_mb * 2**20)
            timed_out, status, returncode = _wait_and_kill(
                proc, status_r, timeout_s, uid, outer, watch
            )
            watch.over_limit()  # a last look: a burst between two looks still fails the run
        finally:
            os.close(status_r)
        stdout, out_full = _read_capped(stdio[1], max_output_bytes)
        stderr, err_full = _read_capped(stdio[2], max_output_bytes)
    finally:
        for fd in stdio:
            os.close(fd)
        _remove_tree(outer)
    layers = _layers_in_force(status)
    _note_layers(layers)
    return SandboxResult(
        ok=returncode == 0 and not timed_out and not watch.exceeded,
        stdout=stdout,
        stderr=stderr,
        returncode=returncode,
        timed_out=timed_out,
        output_truncated=out_full or err_full,
        duration_s=time.perf_counter() - start,
        isolation=layers,
        disk_exceeded=watch.exceeded,
    )


def _check_layers(without: frozenset[str]) -> None:
    """Refuse unknown layer names: a typo in `without` must not silently keep every layer on."""
    unknown = set(without) - OPTIONAL_LAYERS
    if unknown:
        raise ValueError(
            f"unknown sandbox layers {sorted(unknown)}; known: {sorted(OPTIONAL_LAYERS)}"
        )


def _prepare_run_dir(outer: Path, code: str) -> tuple[Path, int | None]:
    """Lay out the run's directory: the work folder (the child's only writable place), the mount
    point of its private root and the code. As root, the work folder belongs to a fresh unused
    uid that the child switches to; returns (work folder, that uid or None)."""
    os.chmod(outer, 0o711)  # the child may traverse to its work dir but not list or write here
    work = outer / "work"
    work.mkdir()
    (outer / "root").mkdir()  # mount point of the child's private root
    uid = random.SystemRandom().randrange(_UID_LOW, _UID_HIGH) if os.geteuid() == 0 else None
    if uid is not None:
        os.chown(work, uid, uid)
    (outer / "solution.py").write_text(code, encoding="utf-8")
    return work, uid


def _stdio(outer: Path, stdin: str) -> list[int]:
    """Descriptors for the child's stdin, stdout and stderr: files, not pipes (no stuck reader
    can block on them; RLIMIT_FSIZE bounds what the code writes). Anonymous memory files where
    the kernel has them: a file in `outer` is a host path the code can read back through
    /proc/self/fd (readlink showed /tmp/peftbench-sandbox-.../stdout inside the private root)."""
    fds: list[int] = []
    try:
        for name in ("stdin", "stdout", "stderr"):
            try:
                fds.append(os.memfd_create(f"peftbench-{name}", os.MFD_CLOEXEC))
            except (AttributeError, OSError):  # no memfd: a file in the run's folder
                path = outer / name
                fds.append(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
        os.write(fds[0], stdin.encode("utf-8"))
        os.lseek(fds[0], 0, os.SEEK_SET)
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    return fds


def _child_config(
    outer: Path,
    uid: int | None,
    status_fd: int,
    *,
    memory_mb: int,
    disk_mb: int,
    timeout_s: float,
    max_output_bytes: int,
    max_processes: int,
    allow_subprocess: bool,
    namespaces: bool,
    without: frozenset[str],
) -> str:
    """What the bootstrap must enforce, as one command-line argument (marshal, hex): the
    bootstrap runs with `-I` and imports nothing of ours, so it gets plain data."""
    cfg = {
        "code": str(outer / "solution.py"),
        "root": str(outer / "work"),
        "newroot": str(outer / "root"),
        "uid": uid,
        "memory": memory_mb * 2**20,
        "disk": disk_mb * 2**20,
        "inodes": MAX_FILES,
        "cpu": math.ceil(timeout_s) + 1,
        "fsize": max_output_bytes,
        "nproc": max_processes,
        "subprocess": allow_subprocess,
        "namespaces": namespaces,
        "without": sorted(without),
        "status_fd": status_fd,
        "parent": os.getpid(),
    }
    return marshal.dumps(cfg).hex()


def _child_env(work: Path) -> dict[str, str]:
    """A minimal environment: nothing of the caller's (tokens, proxies, paths) reaches the code."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(work),
        "TMPDIR": str(work),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "OMP_NUM_THREADS": "1",  # native libraries must not start a thread per core
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def _start_child(argv: list[str], stdio: list[int], work: Path, status_w: int) -> subprocess.Popen:
    """Start the bootstrap in a new session on the `stdio` descriptors (`_stdio`); our end of
    the status pipe is closed once it has started."""
    try:
        return subprocess.Popen(
            argv,
            stdin=stdio[0],
            stdout=stdio[1],
            stderr=stdio[2],
            cwd=work,
            env=_child_env(work),
            start_new_session=True,
            pass_fds=(status_w,),
            close_fds=True,
        )
    finally:
        os.close(status_w)


def _wait_and_kill(
    proc: subprocess.Popen,
    status_r: int,
    timeout_s: float,
    uid: int | None,
    outer: Path,
    watch: _Watchdog,
) -> tuple[bool, str, int | None]:
    """Wait up to `timeout_s`, then kill whatever the run left and reap the child.

    Returns (timed out, the bootstrap's status line, return code or None if never collected).
    The status line says which layers held; without a PID namespace (which kills everything
    with its PID 1) the leftovers are hunted down by uid or command line.
    """
    timed_out = not _wait_exited(proc.pid, timeout_s, watch) and not watch.exceeded
    status = _read_status(status_r)
    _kill_everything(proc.pid, uid, str(outer), "pidns" not in status.split())
    try:
        returncode: int | None = proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        returncode = None
    return timed_out, status, returncode


def _read_status(status_r: int) -> str:
    """The bootstrap's status line, written before the user's code started ("" if none)."""
    os.set_blocking(status_r, False)
    try:
        return os.read(status_r, 65536).decode("utf-8", "replace")
    except BlockingIOError:
        return ""


def _layers_in_force(status: str) -> tuple[str, ...]:
    """The isolation layers named in the status line; a refusal raises (fail closed)."""
    if status.startswith("refused:"):
        raise SandboxUnavailable(f"the code sandbox cannot run here: {status[len('refused:') :]}")
    return ("session", *tuple(status.split())) if status else ("session",)


OPTIONAL_LAYERS = frozenset({"audit-hook", "seccomp", "landlock"})
_ISOLATION_SEEN: dict[tuple[str, ...], int] = {}  # layers of each run in this process -> count
# What each missing layer leaves unbounded: said once per process (never a silent degradation).
_DEGRADED = {
    "tmpfs-work": "no mount namespace here, so the work folder is on the host's disk: its size "
    "is bounded by a watchdog that looks every 50 ms (an overshoot of what can be written in "
    "that time, each file at most max_output_bytes), not by the kernel",
    "seccomp": "no seccomp filter here (x86_64 only), so shared memory outside the address "
    "space (memfd_create, SysV shm, POSIX message queues) is not counted against memory_mb",
}


def _note_layers(layers: tuple[str, ...]) -> None:
    """Count the run's layers for the record; warn (once each) about a bound that is missing."""
    if layers not in _ISOLATION_SEEN:
        for layer, consequence in _DEGRADED.items():
            if layer not in layers and f"no {layer}" not in _WARNED:
                _WARNED.add(f"no {layer}")
                warnings.warn(f"sandbox: {consequence}", RuntimeWarning, stacklevel=3)
    _ISOLATION_SEEN[layers] = _ISOLATION_SEEN.get(layers, 0) + 1


_WARNED: set[str] = set()


class _Watchdog:
    """Looks at the run's work folder on the host while it runs. With a mount namespace the
    folder is a sized tmpfs the host never sees (this finds it empty: the kernel bounds it);
    in the fallback it is the host's folder, and more than `limit` bytes or `MAX_FILES`
    entries, or a folder the host cannot look into, stops the run (`exceeded`)."""

    def __init__(self, work: Path, limit: int) -> None:
        self.work, self.limit, self.exceeded = work, limit, False

    def over_limit(self) -> bool:
        if self.exceeded:
            return True
        seen: set[tuple[int, int]] = set()
        used, folders = 0, [str(self.work)]
        try:
            while folders:
                with os.scandir(folders.pop()) as entries:
                    for entry in entries:
                        st = entry.stat(follow_symlinks=False)
                        if (st.st_dev, st.st_ino) not in seen:  # hard links count once
                            seen.add((st.st_dev, st.st_ino))
                            used += st.st_blocks * 512
                        if entry.is_dir(follow_symlinks=False):
                            folders.append(entry.path)
                        if used > self.limit or len(seen) > MAX_FILES:
                            self.exceeded = True
                            return True
        except FileNotFoundError:
            return False  # an entry went between listing and looking: the next look sees
        except OSError:  # a folder the code made unreadable: hiding what it writes
            self.exceeded = True
        return self.exceeded


def isolation_report() -> dict[str, int] | None:
    """The isolation layers of the sandbox runs made by this process (None: no run), for the run
    record: layer combination (space separated) -> number of runs."""
    if not _ISOLATION_SEEN:
        return None
    return {" ".join(k): v for k, v in sorted(_ISOLATION_SEEN.items())}


def _wait_exited(pid: int, timeout_s: float, watch: _Watchdog) -> bool:
    """Wait until the child exits, without reaping it: a zombie leader keeps its process group id
    reserved, so the `killpg` that follows cannot hit an unrelated group that reused the pid.
    Every `_WATCH_S` the watchdog looks at the work folder; False (not exited) when it finds
    the folder over its limit, or at the timeout."""
    deadline = time.monotonic() + timeout_s
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    poller = select.poll()
    if pidfd is not None:  # readable once the process has exited (poll: fds may be > 1024)
        poller.register(pidfd, select.POLLIN)
    try:
        while True:
            left = deadline - time.monotonic()
            if pidfd is not None:
                if poller.poll(max(0, math.ceil(min(left, _WATCH_S) * 1000))):
                    return True
            else:  # fallback: poll
                if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                    return True
                time.sleep(max(0.0, min(left, 0.01)))
            if watch.over_limit() or time.monotonic() >= deadline:
                return False
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _kill_everything(pid: int, uid: int | None, marker: str, hunt: bool = True) -> None:
    """SIGKILL the child's process group, then (`hunt`: no PID namespace did it for us) any
    process that left it (`setsid`): with a private uid, every process of that uid; without, every
    process whose command line names our directory (forks inherit it; a process that also
    `exec`s something else escapes this fallback, where only Landlock and seccomp remain)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    if not hunt:
        return
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
                mine = os.stat(f"/proc/{entry}").st_uid == uid
            else:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    mine = marker in f.read()
        except (OSError, StopIteration, IndexError):
            continue
        if mine:
            found.append(int(entry))
    return found


def _read_capped(fd: int, limit: int) -> tuple[str, bool]:
    """What the child wrote to `fd`, from the start, at most `limit` bytes."""
    chunks, size = [], 0
    os.lseek(fd, 0, os.SEEK_SET)
    while size <= limit:
        chunk = os.read(fd, min(2**20, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    data = b"".join(chunks)
    return data[:limit].decode("utf-8", "replace"), len(data) >= limit


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _remove_tree(path: Path) -> None:
    """Delete the run's directory whatever the code left in it: never follows a link (every step
    goes through a descriptor of a directory opened with O_NOFOLLOW), no recursion (1,100 nested
    folders are a loop, not a stack), and folders the code made unreadable or read-only are made
    ours again by descriptor (never by path, so a planted link cannot redirect a chmod onto a
    host file). What cannot be removed is left (reported by a warning), never an exception."""
    try:
        fd = os.open(path, _DIR_FLAGS)
    except FileNotFoundError:
        return
    except OSError as exc:
        warnings.warn(f"sandbox: could not remove {path}: {exc}", RuntimeWarning, stacklevel=2)
        return
    names: list[str] = []  # the path from `path` down to `fd`'s folder
    stuck: set[tuple[int, int, str]] = set()  # (folder's device, inode, entry) not removable
    while True:
        child = _empty_or_descend(fd, stuck)
        if child is not None:
            fd, name = child[0], child[1]
            names.append(name)
            continue
        if not names:
            break
        parent = os.open("..", _DIR_FLAGS, dir_fd=fd)
        os.close(fd)
        fd, name = parent, names.pop()
        try:
            os.rmdir(name, dir_fd=fd)
        except OSError:
            st = os.fstat(fd)
            stuck.add((st.st_dev, st.st_ino, name))
    os.close(fd)
    try:
        os.rmdir(path)
    except OSError as exc:
        warnings.warn(f"sandbox: could not remove {path}: {exc}", RuntimeWarning, stacklevel=2)


def _empty_or_descend(fd: int, stuck: set[tuple[int, int, str]]) -> tuple[int, str] | None:
    """Unlink every non-folder in `fd`'s folder; at the first subfolder, return (its descriptor,
    its name) to descend into; None when only stuck entries are left."""
    _make_mine(fd)
    st = os.fstat(fd)
    with os.scandir(fd) as entries:
        names = [(e.name, e.is_dir(follow_symlinks=False)) for e in entries]
    for name, is_dir in names:
        if (st.st_dev, st.st_ino, name) in stuck:
            continue
        try:
            if not is_dir:
                os.unlink(name, dir_fd=fd)
                continue
            return _open_folder(fd, name), name
        except OSError:
            stuck.add((st.st_dev, st.st_ino, name))
    return None


def _open_folder(parent: int, name: str) -> int:
    """Open a subfolder (never a link); a folder the code made unreadable is given back its
    owner's rights first, through a descriptor that can only be that folder."""
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=parent)
    except PermissionError:
        pin = os.open(
            name, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=parent
        )
        try:
            os.chmod(f"/proc/self/fd/{pin}", 0o700)  # the pinned folder itself, not a path
            return os.open(f"/proc/self/fd/{pin}", _DIR_FLAGS & ~os.O_NOFOLLOW)
        finally:
            os.close(pin)


def _make_mine(fd: int) -> None:
    """Let us list and delete in this folder (the code may have left it 0500)."""
    with contextlib.suppress(OSError):
        os.fchmod(fd, 0o700)
