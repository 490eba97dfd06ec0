"""The sandbox holds against the usual failure modes of generated code, and lets good code pass.

Each hostile program is bounded twice (its own limits and the test's small timeouts), so a broken
sandbox fails the test quickly instead of hurting this (small) machine.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from needs import missing
from sandbox_attack_harness import load_attacks, sandbox_processes

from peftbench import sandbox
from peftbench._sandbox_child import readable_paths, work_dir
from peftbench.metrics.execution import run_apps_tests
from peftbench.sandbox import run_code

pytestmark = pytest.mark.skipif(not hasattr(os, "setsid"), reason="POSIX only")

# The time limit of runs that end on their own (or are stopped by another limit): it only bounds
# a hang. A sandboxed Python takes seconds to start on a loaded machine, so a run expected to
# finish must not be given a few seconds; runs that test the time limit itself use a short one.
ENOUGH_S = 120


def test_correct_stdin_stdout_solution_passes() -> None:
    code = "n = int(input())\nprint(sum(map(int, input().split())) * n)\n"
    tests = {"inputs": ["2\n1 2 3\n", "3\n10\n"], "outputs": ["12\n", "30\n"]}
    outcome = run_apps_tests(code, tests, timeout_s=ENOUGH_S)
    assert outcome.passed, outcome.reason
    wrong = run_apps_tests("print(0)", tests, timeout_s=ENOUGH_S)
    assert not wrong.passed and "wrong answer" in wrong.reason


def test_correct_call_based_solution_passes() -> None:
    code = (
        "class Solution:\n    def twoSum(self, nums, target):\n"
        "        seen = {}\n        for i, x in enumerate(nums):\n"
        "            if target - x in seen:\n                return [seen[target - x], i]\n"
        "            seen[x] = i\n"
    )
    tests = {
        "fn_name": "twoSum",
        "inputs": [[[2, 7, 11, 15], 9], [[3, 2, 4], 6]],
        "outputs": [[0, 1], [1, 2]],
    }
    outcome = run_apps_tests(code, tests, timeout_s=ENOUGH_S)
    assert outcome.passed, outcome.reason


def test_infinite_loop_times_out() -> None:
    before = sandbox_processes()
    result = run_code("while True:\n    pass\n", timeout_s=1)
    assert result.timed_out and not result.ok
    assert result.duration_s < 1 + ENOUGH_S  # the timeout stopped it (the bound is only a hang's)
    assert not (sandbox_processes() - before)


def test_memory_bomb_fails_inside_the_child() -> None:
    bomb = "chunks = []\nwhile True:\n    chunks.append(bytearray(32 * 2**20))\n"
    result = run_code(bomb, timeout_s=ENOUGH_S, memory_mb=256)
    assert not result.ok and not result.timed_out
    assert "MemoryError" in result.stderr
    huge = run_code("x = bytearray(64 * 2**30)\n", timeout_s=ENOUGH_S, memory_mb=256)
    assert not huge.ok and "MemoryError" in huge.stderr


def test_fork_bomb_is_contained_and_killed() -> None:
    before = sandbox_processes()
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    # allow_subprocess lifts the Python-level ban: this checks the OS limits themselves
    result = run_code(bomb, timeout_s=1, max_processes=8, allow_subprocess=True)
    assert result.timed_out and not result.ok
    assert not (sandbox_processes() - before)
    refused = run_code("import os\nos.fork()\n", timeout_s=ENOUGH_S)
    assert not refused.ok and "os.fork is not allowed" in refused.stderr


def test_process_limit_stops_forking() -> None:
    code = (
        "import os, time\nn = 0\nfor _ in range(64):\n    try:\n        pid = os.fork()\n"
        "    except OSError:\n        break\n    if pid == 0:\n        time.sleep(30)\n"
        "        os._exit(0)\n    n += 1\nprint(n)\n"
    )
    before = sandbox_processes()
    result = run_code(code, timeout_s=ENOUGH_S, max_processes=8, allow_subprocess=True)
    assert result.ok, result.stderr
    assert int(result.stdout) < 8
    assert not (sandbox_processes() - before)  # the sleeping children were killed


def test_process_that_leaves_the_session_is_killed() -> None:
    before = sandbox_processes()
    code = "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(60)\nprint('ok')\n"
    result = run_code(code, timeout_s=ENOUGH_S, allow_subprocess=True)
    assert result.ok and result.stdout == "ok\n"
    assert not (sandbox_processes() - before)


def test_writing_outside_the_working_dir_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path.chmod(0o777)  # writable by anyone: only the sandbox can stop the writes
    target = tmp_path / "escaped.txt"
    code = f"""
import os
attempts = {{
    "open": lambda: open({str(target)!r}, "w").write("x"),
    "os.open": lambda: os.open({str(target)!r}, os.O_WRONLY | os.O_CREAT),
    "mkdir": lambda: os.mkdir({str(tmp_path / "newdir")!r}),
    "symlink": lambda: os.symlink("inside.txt", {str(tmp_path / "link")!r}),
}}
for name, attempt in attempts.items():
    try:
        attempt()
        print("WROTE", name)
    except OSError as exc:
        print("blocked", name, type(exc).__name__)
with open("inside.txt", "w") as f:
    f.write("fine")
print(open("inside.txt").read(), os.getcwd())
"""
    runs = tmp_path.parent / f"{tmp_path.name}-runs"  # where the sandbox makes its folder
    runs.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(runs))
    result = run_code(code, timeout_s=ENOUGH_S)
    assert result.ok, result.stderr
    assert "WROTE" not in result.stdout
    assert result.stdout.count("blocked") == 4
    assert list(tmp_path.iterdir()) == []
    assert "fine" in result.stdout and list(runs.iterdir()) == []  # its folder is deleted
    if "mountns" in result.isolation:  # no host path in what the code sees
        assert result.stdout.split()[-1] == work_dir(readable_paths())


def test_network_connection_to_localhost_fails() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.setblocking(False)
        port = server.getsockname()[1]
        code = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
        result = run_code(code, timeout_s=ENOUGH_S)
        assert not result.ok
        assert "no network" in result.stderr
        with pytest.raises(BlockingIOError):
            server.accept()  # nothing ever connected


def test_network_namespace_has_no_interface_when_available() -> None:
    result = run_code("print(open('/proc/self/net/dev').read())", timeout_s=ENOUGH_S)
    assert result.ok, result.stderr
    if "netns" not in result.isolation:
        missing(
            f"a network namespace (isolation was {result.isolation})",
            "run where unprivileged user namespaces or root are allowed",
        )
    interfaces = [
        line.split(":")[0].strip() for line in result.stdout.splitlines()[2:] if ":" in line
    ]
    assert interfaces == ["lo"]


def test_other_guards_environment_and_output_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEFTBENCH_TEST_SECRET", "s3cret")
    env = run_code("import os\nprint(sorted(os.environ))", timeout_s=ENOUGH_S)
    assert env.ok and "PEFTBENCH_TEST_SECRET" not in env.stdout
    ctypes = run_code("import ctypes\nctypes.CDLL(None).getpid()\n", timeout_s=ENOUGH_S)
    assert not ctypes.ok and "not allowed" in ctypes.stderr
    victim = subprocess.Popen(["sleep", "30"])  # a bystander process, not this test runner
    try:
        kill = run_code(f"import os\nos.kill({victim.pid}, 9)\n", timeout_s=ENOUGH_S)
        assert not kill.ok and "not allowed" in kill.stderr
        assert victim.poll() is None
    finally:
        victim.kill()
        victim.wait()
    flood = run_code(
        "while True:\n    print('x' * 1000)\n", timeout_s=ENOUGH_S, max_output_bytes=10_000
    )
    assert flood.output_truncated and not flood.ok and len(flood.stdout) <= 10_000


def test_layers_of_the_runs_go_into_the_run_record() -> None:
    from peftbench.results.provenance import environment

    result = run_code("print('hi')", timeout_s=ENOUGH_S)
    assert result.ok, result.stderr
    recorded = environment().sandbox_isolation
    assert recorded[" ".join(result.isolation)] >= 1
    assert {"rlimits", "audit-hook"} <= set(result.isolation)


def test_sandbox_dies_with_its_caller(tmp_path: Path) -> None:
    """A caller killed with SIGKILL mid-run (no cleanup) leaves no sandbox process behind."""
    import sys
    import time

    before = sandbox_processes()
    caller = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from peftbench.sandbox import run_code\n"
            "run_code('import time\\nprint(1, flush=True)\\ntime.sleep(120)', timeout_s=100)\n",
        ],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        deadline = time.monotonic() + ENOUGH_S
        while not (sandbox_processes() - before) and time.monotonic() < deadline:
            time.sleep(0.05)
        started = sandbox_processes() - before
        assert started, "the sandbox never started"
        time.sleep(1.0)
        caller.kill()
        caller.wait(10)
        deadline = time.monotonic() + ENOUGH_S
        while sandbox_processes() & started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not (sandbox_processes() & started)
    finally:
        caller.kill()
        caller.wait()


def test_no_file_system_isolation_means_no_run() -> None:
    """Without namespaces and without Landlock the sandbox refuses, loudly: a metric must not
    score generated code as failing when it never ran."""
    from peftbench.sandbox import SandboxUnavailable

    with pytest.raises(SandboxUnavailable, match="no file-system isolation"):
        run_code(
            "print('never')", timeout_s=ENOUGH_S, namespaces=False, without=frozenset({"landlock"})
        )


def test_audit_hook_survives_a_rewrite_through_a_traceback_frame() -> None:
    """The attack of the harness (reach the hook's frame through a traceback, clear what it
    holds, rewrite its helpers' defaults) leaves the hook working: the tripwire still fires."""
    attack = next(a for a in load_attacks() if a["name"].startswith("switch the audit hook off"))
    code = attack["code"].replace("$victim", "/nonexistent/victim").replace("$tmp", "/tmp")
    code = code.replace("$mark", "hook-test")
    code += "try:\n    os.mkdir('/hook-check')\nexcept OSError as exc:\n    print('after:', exc)\n"
    result = run_code(code, timeout_s=ENOUGH_S)
    assert "changed" not in result.stdout, result.stdout
    assert "after: sandbox: os.mkdir outside the working dir" in result.stdout, result.stdout


def test_work_folder_is_bounded(tmp_path: Path) -> None:
    """`disk_mb`: a tmpfs that says "no space" with a mount namespace; without one, the watchdog
    stops the run (and says so in the result)."""
    fill = "for i in range(16):\n    open(f'f{i}', 'wb').write(b'x' * 2**20)\nprint('all written')"
    bounded = run_code(fill, timeout_s=ENOUGH_S, disk_mb=4)
    assert not bounded.ok and "all written" not in bounded.stdout
    if "tmpfs-work" in bounded.isolation:
        assert "No space left on device" in bounded.stderr
    with pytest.warns(RuntimeWarning, match="work folder is on the host's disk"):
        _forget_warnings()
        burst = run_code(fill, timeout_s=ENOUGH_S, disk_mb=4, namespaces=False)
    assert burst.disk_exceeded and not burst.ok  # seen at the last look, after it exited
    held = run_code(
        fill + "\nimport time\ntime.sleep(600)", timeout_s=ENOUGH_S, disk_mb=4, namespaces=False
    )
    assert held.disk_exceeded and not held.ok and not held.timed_out  # stopped while running
    assert run_code(fill, timeout_s=ENOUGH_S, disk_mb=32).ok  # room enough: no false alarm


def _forget_warnings() -> None:
    """Each degraded-mode warning is given once per process: let this test see it again."""
    sandbox._WARNED.clear()
    sandbox._ISOLATION_SEEN.clear()


def test_cleanup_never_follows_links_nor_recurses(tmp_path: Path) -> None:
    """What code can leave in its folder: links to host files and folders, folders made
    unreadable, 1,100 nested folders. All of it goes; the host's file and folder do not change."""
    host_file = tmp_path / "host.txt"
    host_file.write_text("host")
    host_file.chmod(0o444)
    host_dir = tmp_path / "host-dir"
    host_dir.mkdir()
    (host_dir / "keep").write_text("keep")
    run = tmp_path / "run"
    run.mkdir()
    fd = os.open(run, os.O_RDONLY)
    for _ in range(1100):  # deeper than a path may be long: made through descriptors
        os.mkdir("d", dir_fd=fd)
        fd, parent = os.open("d", os.O_RDONLY, dir_fd=fd), fd
        os.close(parent)
    os.close(os.open("bottom", os.O_CREAT | os.O_WRONLY, dir_fd=fd))
    os.close(fd)
    locked = run / "locked"
    (locked / "inner").mkdir(parents=True)
    for folder in (run, locked):
        (folder / "file-link").symlink_to(host_file)
        (folder / "dir-link").symlink_to(host_dir)
    (locked / "inner").chmod(0)
    locked.chmod(0)
    run.chmod(0o500)
    removed = False
    try:
        sandbox._remove_tree(run)
        removed = not os.path.lexists(run)
    finally:  # never leave 1,100 nested folders for pytest's own (recursive) cleanup
        subprocess.run(["rm", "-rf", str(run)], check=False)
    assert removed
    assert host_file.stat().st_mode & 0o777 == 0o444 and host_file.read_text() == "host"
    assert host_dir.stat().st_mode & 0o777 == 0o755 and (host_dir / "keep").exists()


def test_the_work_folder_avoids_host_paths_bound_into_the_root() -> None:
    """A virtual environment under /work (as on this project's machines) must not collide with
    the sandbox's /work tmpfs: the work folder takes the next free name."""
    assert work_dir(["/usr", "/bin"]) == "/work"
    assert work_dir(["/usr", "/work/main/.venv"]) == "/work1"
    assert work_dir(["/work", "/work1/x"]) == "/work2"
    assert work_dir(["/workshop/venv"]) == "/work"  # a name that only starts the same
