"""Attacks on the code sandbox (tests/data/sandbox_attacks.yaml), each asserted contained.

Modes: as the test runner (root in CI: the private root, a fresh uid, no capabilities), the same
with only the OS layers (no audit hook), the fallback used where namespaces are refused (uid,
capabilities, Landlock, seccomp), and, when the tests run as root, as the unprivileged uid 65534
(`setpriv`, no capability), with only the OS layers. When the tests do not run as root the
runner already is an unprivileged user: the uid modes are then skipped, the "caller" modes are
that run. A control run without any sandbox shows that the checks catch the escapes.
The attack table for a report: `python tests/sandbox_attack_harness.py`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sandbox_attack_harness as harness
from needs import need_program

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox's layers are Linux's")

ATTACKS = harness.load_attacks()
NAMES = [a["name"] for a in ATTACKS]
MODES = [
    "caller",
    "caller, OS layers only",
    "caller, namespaces refused, OS layers only",
    "uid 65534, OS layers only",
    "uid 65534, namespaces refused, OS layers only",
]
FULL = {"netns", "pidns", "mountns", "caps-dropped", "no-new-privs", "landlock", "seccomp"}


@pytest.fixture(scope="module")
def shared_tmp() -> Iterator[Path]:
    """A temporary folder other uids can traverse (pytest's own is 0700)."""
    tmp = Path(tempfile.mkdtemp(prefix="peftbench-attacks-"))
    tmp.chmod(0o755)
    yield tmp
    harness.remove_leftovers(tmp)


@pytest.fixture(scope="module", params=MODES)
def verdicts(request: pytest.FixtureRequest, shared_tmp: Path) -> dict[str, dict[str, Any]]:
    mode = harness.MODES[request.param]
    if mode.get("uid") is not None:
        if os.geteuid() != 0:
            pytest.skip("the tests already run unprivileged: the 'caller' modes are that run")
        need_program("setpriv", "apt-get install util-linux")
        need_program("unshare", "apt-get install util-linux")
    folder = shared_tmp / request.param.replace(" ", "_").replace(",", "")
    folder.mkdir()
    folder.chmod(0o755)
    return {v["name"]: v for v in harness.attack_mode(folder, ATTACKS, **mode)}


@pytest.mark.parametrize("attack", NAMES)
def test_attack_is_contained(verdicts: dict[str, dict[str, Any]], attack: str) -> None:
    verdict = verdicts[attack]
    assert verdict["contained"], verdict


def test_layers_in_force_are_reported(verdicts: dict[str, dict[str, Any]]) -> None:
    layers = set(next(iter(verdicts.values()))["isolation"])
    assert {"rlimits", "session"} <= layers
    assert layers & {"mountns", "landlock"}, "no file-system isolation at all"
    if "mountns" in layers:
        assert FULL <= layers, layers
        assert "uid" in layers or "userns" in layers


def test_checks_catch_escapes_without_a_sandbox(shared_tmp: Path) -> None:
    """The control: unsandboxed, the attacks that matter most are flagged as escapes."""
    folder = shared_tmp / "control"
    folder.mkdir()
    caught = {v["name"] for v in harness.control(folder, ATTACKS) if not v["contained"]}
    must = {
        "read a private file (0600 in a 0700 folder)",
        "read a world-readable host file outside the work folder",
        "read the bystander's /proc environ",
        "create a file in /tmp through dir_fd",
        "append to a 0666 file through dir_fd",
        "unlink a file in a 0777 folder through dir_fd",
        "os.fork + exec a shell",
        "_posixsubprocess.fork_exec",
        "ctypes system()",
        "TCP connect to a host listener",
        "unix-socket connect to a host listener",
        "kill the bystander",
    }
    assert must <= caught, sorted(must - caught)
    assert len(caught) >= 30, sorted(caught)
