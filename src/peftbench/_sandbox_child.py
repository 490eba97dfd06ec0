"""Bootstrap of a sandboxed run: `python -I -B _sandbox_child.py <config json>` (see sandbox.py).

Trusted code, run as a script in the child before any user code exists: it applies the limits
(what a `preexec_fn` would do, but without forking from a threaded parent), isolates the network,
drops privileges, installs the audit-hook guard, reports on the status pipe which layers held, and
only then compiles and runs the user's code as `__main__`. It imports nothing from peftbench.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import stat
import sys
from typing import Any

CLONE_NEWNET, CLONE_NEWUSER = 0x40000000, 0x10000000
PR_SET_KEEPCAPS, PR_SET_NO_NEW_PRIVS = 8, 38
CAP_DAC_READ_SEARCH = 2
_CAP_VERSION_3 = 0x20080522


def _limit(res: int, soft: int, hard: int | None = None) -> None:
    resource.setrlimit(res, (soft, soft if hard is None else hard))


def _libc() -> Any:
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _readable_by_others(path: str) -> bool:
    """Can a uid with no group in common read `path` (every ancestor searchable)?"""
    real = os.path.realpath(path)
    parts = real.strip("/").split("/")
    for depth in range(len(parts)):
        ancestor = "/" + "/".join(parts[:depth])
        if not os.stat(ancestor).st_mode & stat.S_IXOTH:
            return False
    mode = os.stat(real).st_mode
    need = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) else 0)
    return mode & need == need


def _drop_privileges(uid: int, keep_read: bool) -> None:
    """Become `uid`; with `keep_read`, keep only CAP_DAC_READ_SEARCH (read any file), needed when
    the interpreter's own files are not readable by other users (e.g. a Python under /root)."""
    import ctypes

    libc = _libc()
    if keep_read and libc.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_KEEPCAPS)")
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if not keep_read:
        return

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [(n, ctypes.c_uint32) for n in ("effective", "permitted", "inheritable")]

    data = (Data * 2)()
    data[0].effective = data[0].permitted = 1 << CAP_DAC_READ_SEARCH
    if libc.capset(ctypes.byref(Header(_CAP_VERSION_3, 0)), data) != 0:
        raise OSError(ctypes.get_errno(), "capset: could not drop capabilities")  # never run then
    libc.prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0)


def _count_processes_of(uid: int) -> int:
    n = 0
    for entry in os.listdir("/proc"):
        with contextlib.suppress(OSError):
            n += entry.isdigit() and os.stat("/proc/" + entry).st_uid == uid
    return n


def _install_guard(root: str, allow_subprocess: bool) -> None:
    """Audit hook (cannot be removed by user code). Its state lives in default arguments, which
    cannot be rebound without an audited `object.__setattr__` on the hook, refused below."""
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
    spawn = frozenset(
        {
            "os.system",
            "os.exec",
            "os.posix_spawn",
            "os.spawn",
            "os.fork",
            "os.forkpty",
            "subprocess.Popen",
            "pty.spawn",
        }
    )
    paths = {
        "os.remove": (0,),
        "os.rmdir": (0,),
        "os.mkdir": (0,),
        "os.rename": (0, 1),
        "os.link": (0, 1),
        "os.symlink": (1,),
        "os.chmod": (0,),
        "os.chown": (0,),
        "os.truncate": (0,),
        "os.utime": (0,),
        "os.chflags": (0,),
        "shutil.rmtree": (0,),
    }
    realpath, fsdecode, sep, getpid = os.path.realpath, os.fsdecode, os.sep, os.getpid

    def inside(p: Any, root: str = root) -> bool:
        if isinstance(p, int):
            return True  # an already open descriptor
        real = realpath(fsdecode(p))
        return real == root or real.startswith(root + sep) or real == "/dev/null"

    def hook(
        event: str,
        args: tuple,
        allow_subprocess: bool = allow_subprocess,
        spawn: frozenset = spawn,
        paths: dict = paths,
        inside: Any = inside,
        write_flags: int = write_flags,
        getpid: Any = getpid,
    ) -> None:
        if event == "open":
            path, mode, flags = args
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & write_flags
            )
            if writing and path is not None and not inside(path):
                raise PermissionError(f"sandbox: writing outside the working dir: {path!r}")
        elif event in paths:
            for i in paths[event]:
                if i < len(args) and args[i] is not None and not inside(args[i]):
                    raise PermissionError(f"sandbox: {event} outside the working dir")
        elif event.startswith("socket."):
            raise PermissionError("sandbox: no network")
        elif event in spawn:
            if not allow_subprocess:
                raise PermissionError(f"sandbox: {event} is not allowed")
        elif event in ("os.kill", "os.killpg"):
            if args[0] != getpid():
                raise PermissionError("sandbox: signals to other processes are not allowed")
        elif event.startswith(("ctypes.", "gc.get_refer")) or event == "gc.get_objects":
            raise PermissionError(f"sandbox: {event} is not allowed")
        elif event == "object.__setattr__" and args[0] is hook:
            raise PermissionError("sandbox: the guard cannot be modified")

    sys.addaudithook(hook)


def main() -> None:
    cfg = json.loads(sys.argv[1])
    layers = ["rlimits"]
    _limit(resource.RLIMIT_AS, cfg["memory"])
    _limit(resource.RLIMIT_CPU, cfg["cpu"], cfg["cpu"] + 1)
    _limit(resource.RLIMIT_FSIZE, cfg["fsize"])
    _limit(resource.RLIMIT_CORE, 0)
    with open(cfg["code"], encoding="utf-8") as f:
        source = f.read()
    root = os.geteuid() == 0
    drop_to = cfg["uid"] if root else None
    if drop_to is not None:
        _limit(resource.RLIMIT_NPROC, cfg["nproc"])  # the fresh uid has no process yet
    else:  # RLIMIT_NPROC counts every process of the uid: allow the others plus nproc of ours.
        # Set before entering a user namespace, whose process cap is taken from it (and where
        # other users' processes would all look like the overflow uid).
        hard = resource.getrlimit(resource.RLIMIT_NPROC)[1]
        want = _count_processes_of(os.getuid()) - 1 + cfg["nproc"]  # - 1: this process
        _limit(resource.RLIMIT_NPROC, want if hard < 0 else min(want, hard), hard)
    try:
        if _libc().unshare(CLONE_NEWNET if root else CLONE_NEWUSER | CLONE_NEWNET) == 0:
            layers.append("netns")
    except Exception:  # no namespace support: the audit hook still refuses sockets
        pass
    if drop_to is not None:
        keep_read = not all(_readable_by_others(p) for p in sys.path if p and os.path.exists(p))
        _drop_privileges(drop_to, keep_read)
        layers.append("uid+read-all" if keep_read else "uid")
    try:  # setuid programs (su, sudo...) must not regain privileges
        if _libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0:
            layers.append("no-new-privs")
    except Exception:
        pass
    _install_guard(os.path.realpath(cfg["root"]), bool(cfg["subprocess"]))
    layers.append("audit-hook")
    os.write(cfg["status_fd"], " ".join(layers).encode())
    os.close(cfg["status_fd"])
    sys.argv = ["solution.py"]
    code = compile(source, "solution.py", "exec")
    exec(code, {"__name__": "__main__", "__builtins__": __builtins__})


if __name__ == "__main__":
    main()
