"""Processes of a run die with the main process: no orphan keeps training (or holding a GPU).

A worker is forked by the fork server, which the main process started. Each arms a parent-death
signal (SIGKILL when its parent exits, Linux `PR_SET_PDEATHSIG`): the main process dies -> the
fork server is killed -> its worker is killed, so nothing is committed after the main process is
gone. A parent that died before the signal was armed is caught by checking, after arming, that the
parent is still the one we had (and that the main process still lives). Elsewhere this does
nothing (the fork server, where it exists, still exits when the main process goes).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

MAIN_PID = "PEFTBENCH_MAIN_PID"  # set by the main process before it starts the fork server
PR_SET_PDEATHSIG = 1


def _arm() -> bool:
    if not sys.platform.startswith("linux"):
        return False

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def die_with_parent(parent: int | None = None) -> None:
    """SIGKILL this process when its parent exits (`parent`: the pid it must be, default the
    current parent); exit at once if the parent or the main process is already gone."""
    expected = os.getppid() if parent is None else parent
    armed = _arm()
    main = int(os.environ.get(MAIN_PID, "0") or 0)
    if armed and (os.getppid() != expected or (main > 0 and _gone(main))):
        os._exit(1)


def mark_main_process() -> None:
    """Called by the main process before it starts workers."""
    os.environ[MAIN_PID] = str(os.getpid())
