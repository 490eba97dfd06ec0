"""Runs the attacks of tests/data/sandbox_attacks.yaml against the sandbox and judges each one.

Used by tests/test_sandbox_attacks.py, in process (as whoever runs the tests) and, when the tests
run as root, again as an unprivileged uid: `attack_runs_as(uid, ...)` starts this file as a script
under `setpriv` (the script part only calls `run_code`; the targets and the judging stay with the
caller). `python tests/sandbox_attack_harness.py --table` prints the attack table (root only for
the unprivileged columns). tests/test_sandbox.py uses `sandbox_processes` to check that a run
leaves no process behind.

Judging is the same for every attack (so an attack cannot be "contained" by a check that does
not look): no secret token in the output, no "42-escaped" in it (the programs print it only when a
forbidden step succeeded), nothing new in the 0777 folder, /tmp, /dev/shm or site-packages, the
0666 file unchanged (content and mode), the bystander alive, no connection accepted, no sandbox
process left behind, no exception on the host side (`run_code` itself, or pass@1's scoring for
the attacks with an `apps` problem, which must fail them) and no sandbox folder left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import types
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
ATTACKS_FILE = HERE / "data" / "sandbox_attacks.yaml"
ESCAPED = "42-escaped"


def load_attacks() -> list[dict[str, str]]:
    import yaml

    return yaml.safe_load(ATTACKS_FILE.read_text(encoding="utf-8"))


@dataclass
class Targets:
    """What the attacks aim at, owned by `uid` (the one the sandbox's caller runs as)."""

    base: Path
    uid: int
    private_dir: Path
    secret: Path
    public: Path
    tmp: str
    site: str
    tokens: dict[str, str] = field(default_factory=dict)
    victim: subprocess.Popen | None = None
    tcp: socket.socket | None = None
    unix: socket.socket | None = None
    mark: str = field(default_factory=lambda: secrets.token_hex(6))

    def ww(self, i: int) -> Path:
        return self.base / f"ww-{i}"

    def values(self, i: int) -> dict[str, Any]:
        assert self.victim is not None and self.tcp is not None
        return {
            "secret": self.secret,
            "private_dir": self.private_dir,
            "public": self.public,
            "ww": self.ww(i),
            "victim": self.ww(i) / "victim",
            "tmp": self.tmp,
            "site": self.site,
            "victim_pid": self.victim.pid,
            "port": self.tcp.getsockname()[1],
            "unix": self.base / "listener.sock",
            "mark": f"{self.mark}-{i}",
        }


def make_targets(base: Path, uid: int, private_parent: Path | None, n_attacks: int) -> Targets:
    """Create the secrets, the 0777 folders, the bystander and the listeners under `base`
    (`private_parent`: where the 0700 folder goes, e.g. /root; default `base`)."""
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)
    tok = {k: secrets.token_hex(8) for k in ("secret", "name", "public", "env", "cmd")}
    private = Path(tempfile.mkdtemp(prefix="peftbench-private-", dir=private_parent or base))
    secret = private / f"key-{tok['name']}"
    secret.write_text(f"secret {tok['secret']}\n")
    secret.chmod(0o600)
    public_dir = base / "public"
    public_dir.mkdir()
    public = public_dir / "readme.txt"
    public.write_text(f"public {tok['public']}\n")
    public.chmod(0o644)
    for path in (private, secret, public_dir, public):
        os.chown(path, uid, uid) if os.geteuid() == 0 else None
    try:
        shadow = Path("/etc/shadow").read_text().splitlines()[0]
        tok["shadow"] = shadow.split(":", 2)[0] + ":" + shadow.split(":", 2)[1][:12]
    except (OSError, IndexError):
        pass
    targets = Targets(
        base=base,
        uid=uid,
        private_dir=private,
        secret=secret,
        public=public,
        tmp=tempfile.gettempdir(),
        site=sysconfig.get_paths()["purelib"],
        tokens=tok,
    )
    for i in range(n_attacks):
        ww = targets.ww(i)
        ww.mkdir()
        (ww / "victim").write_text("original\n")
        (ww / "victim").chmod(0o666)
        ww.chmod(0o777)
    as_owner: dict[str, Any] = {"user": uid, "group": uid} if os.geteuid() != uid else {}
    targets.victim = subprocess.Popen(  # `; true`: the shell stays, its argv holds the token
        ["/bin/sh", "-c", "sleep 600; true", f"victim-{tok['cmd']}"],
        env={"PEFTBENCH_VICTIM_SECRET": tok["env"], "PATH": "/usr/bin:/bin"},
        start_new_session=True,
        **as_owner,
    )
    targets.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    targets.tcp.bind(("127.0.0.1", 0))
    targets.tcp.listen(8)
    targets.tcp.setblocking(False)
    targets.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    targets.unix.bind(str(base / "listener.sock"))
    targets.unix.listen(8)
    targets.unix.setblocking(False)
    os.chmod(base / "listener.sock", 0o777)
    return targets


def close_targets(targets: Targets) -> None:
    if targets.victim is not None:  # its group: the shell (maybe killed already) and its sleep
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(targets.victim.pid, signal.SIGKILL)
        targets.victim.wait()
    for s in (targets.tcp, targets.unix):
        if s is not None:
            s.close()
    shutil.rmtree(targets.private_dir, ignore_errors=True)


def programs(targets: Targets, attacks: list[dict[str, str]]) -> list[str]:
    return [
        Template(a["code"]).safe_substitute({k: str(v) for k, v in targets.values(i).items()})
        for i, a in enumerate(attacks)
    ]


def sandbox_processes() -> set[int]:
    """Live (not zombie) processes started by a sandbox (they keep the bootstrap's argv)."""
    pids = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if b"_sandbox_child.py" in cmdline and state not in (b"Z", b"X"):
            pids.add(int(entry))
    return pids


def _accepted(listener: socket.socket | None) -> bool:
    if listener is None:
        return False
    try:
        conn, _ = listener.accept()
    except (BlockingIOError, OSError):
        return False
    conn.close()
    return True


def judge(attacks: list[dict[str, str]], outputs: list[dict], targets: Targets) -> list[dict]:
    """One verdict per attack: {"name", "contained", "violations", "isolation", "outcome"}."""
    tcp_hit, unix_hit = _accepted(targets.tcp), _accepted(targets.unix)
    verdicts = []
    for i, (attack, out) in enumerate(zip(attacks, outputs, strict=True)):
        text = out["stdout"] + out["stderr"]
        tokens = dict(targets.tokens)
        if "$secret" in attack["code"]:  # its name is in the program (and so in a traceback)
            tokens.pop("name")
        bad = [f"leaked {k} token" for k, v in tokens.items() if v in text]
        if ESCAPED in text:
            bad.append("a forbidden step succeeded (42-escaped printed)")
        mark = f"{targets.mark}-{i}"
        ww = targets.ww(i)
        if sorted(p.name for p in ww.iterdir()) != ["victim"]:
            bad.append(f"0777 folder changed: {sorted(p.name for p in ww.iterdir())}")
        elif (ww / "victim").read_text() != "original\n" or (
            ww / "victim"
        ).stat().st_mode & 0o777 != 0o666:
            bad.append("0666 file modified")
        for folder in (targets.tmp, targets.site, "/", "/dev/shm"):
            if os.path.isdir(folder) and any(mark in name for name in os.listdir(folder)):
                bad.append(f"created a file in {folder}")
        if out.get("host_error"):
            bad.append(f"the host side raised {out['host_error']}")
        if targets.victim is not None and targets.victim.poll() is not None:
            bad.append("bystander killed")
        if (tcp_hit and "$port" in attack["code"]) or (unix_hit and "$unix" in attack["code"]):
            bad.append("host listener accepted a connection")
        verdicts.append(
            {
                "name": attack["name"],
                "contained": not bad,
                "violations": bad,
                "isolation": out["isolation"],
                "outcome": _last_line(out["stderr"]) or _last_line(out["stdout"]),
            }
        )
    return verdicts


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:160] if lines else ""


def run_programs(
    codes: list[str],
    namespaces: bool,
    without: list[str],
    problems: list[dict | None],
    runs_dir: str,
    workers: int = 3,
) -> list[dict]:
    """The unprivileged part: run each program in the sandbox (through pass@1's scoring when it
    has an APPS `problem`), return what came out. Each program's sandbox makes its temporary
    folder in its own folder under `runs_dir`, so that one left behind is blamed on it."""
    sys.path.insert(0, str(SRC))
    from peftbench import sandbox
    from peftbench.metrics.execution import run_apps_tests

    where = threading.local()
    real_mkdtemp = tempfile.mkdtemp

    def one(i: int) -> dict:
        where.dir = os.path.join(runs_dir, str(i))
        os.mkdir(where.dir)
        try:
            if problems[i] is not None:
                outcome = run_apps_tests(codes[i], problems[i], timeout_s=10)
                said = outcome.reason + (f" {6 * 7}-escaped: passed" if outcome.passed else "")
                out = {"stdout": said[:2000], "stderr": "", "isolation": []}
            else:
                r = sandbox.run_code(
                    codes[i], timeout_s=10, namespaces=namespaces, without=frozenset(without)
                )
                out = {"stdout": r.stdout, "stderr": r.stderr, "isolation": list(r.isolation)}
        except Exception as exc:  # judged: the host side must never raise
            out = {"stdout": "", "stderr": "", "isolation": [], "host_error": repr(exc)[:300]}
        if os.listdir(where.dir):
            out["host_error"] = f"{out.get('host_error', '')} its sandbox folder was left behind"
        return out

    mkdtemp = types.SimpleNamespace(mkdtemp=lambda **kw: real_mkdtemp(dir=where.dir, **kw))
    sandbox.tempfile = mkdtemp  # type: ignore[assignment]
    try:
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(one, range(len(codes))))
    finally:
        sandbox.tempfile = tempfile


def run_unsandboxed(codes: list[str], cwd: Path) -> list[dict]:
    """The control: the same programs in a plain child process (what the sandbox prevents)."""
    outputs = []
    for code in codes:
        proc = subprocess.run(
            [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=300
        )
        outputs.append({"stdout": proc.stdout, "stderr": proc.stderr, "isolation": []})
    return outputs


def control(tmp: Path, attacks: list[dict[str, str]]) -> list[dict]:
    """Verdicts for the attacks run without any sandbox (those marked `control: false` left out);
    what they created outside is removed afterwards."""
    attacks = [a for a in attacks if a.get("control", True)]
    targets = make_targets(
        tmp / "t", os.geteuid(), Path("/root") if os.geteuid() == 0 else None, len(attacks)
    )
    work = tmp / "work"
    work.mkdir()
    try:
        outputs = run_unsandboxed(programs(targets, attacks), work)
        return judge(attacks, outputs, targets)
    finally:
        for folder in (targets.tmp, targets.site, "/"):
            for name in os.listdir(folder):
                if targets.mark in name:
                    path = Path(folder) / name
                    shutil.rmtree(
                        path
                    ) if path.is_dir() and not path.is_symlink() else path.unlink()
        close_targets(targets)  # also the bystander's `sleep` when an attack killed its shell


def run_attacks(
    targets: Targets,
    attacks: list[dict[str, str]],
    namespaces: bool = True,
    without: tuple[str, ...] = (),
    as_uid: int | None = None,
) -> list[dict]:
    """Run every attack (as this process, or as `as_uid` via setpriv) and judge it."""
    before = sandbox_processes()
    codes = programs(targets, attacks)
    problems = [a.get("apps") for a in attacks]
    runs = targets.base / "runs"  # the sandbox's temporary folders (as the caller's uid)
    runs.mkdir()
    os.chown(runs, targets.uid, targets.uid) if os.geteuid() == 0 else None
    if as_uid is None:
        outputs = run_programs(codes, namespaces, list(without), problems, str(runs))
    else:
        request = {"namespaces": namespaces, "without": list(without), "runs_dir": str(runs)}
        outputs = _run_as(as_uid, codes, problems, request, targets.base)
    # processes being torn down may linger a moment (seconds on a loaded machine): wait for them,
    # up to a bound that only separates a survivor from a slow exit
    deadline = time.monotonic() + 60
    while sandbox_processes() - before and time.monotonic() < deadline:
        time.sleep(0.05)
    verdicts = judge(attacks, outputs, targets)
    left = sandbox_processes() - before
    for v in verdicts:
        if left:
            v["contained"] = False
            v["violations"].append(f"sandbox processes left: {sorted(left)}")
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    for name in os.listdir("/dev/shm") if os.path.isdir("/dev/shm") else ():
        if targets.mark in name:  # an escape's memory: give it back
            os.unlink(os.path.join("/dev/shm", name))
    return verdicts


def _private_ancestor(path: str) -> str | None:
    """The outermost ancestor of `path` that other users cannot traverse (e.g. /root), if any."""
    parts = Path(path).resolve().parts
    for depth in range(2, len(parts) + 1):
        folder = Path(*parts[:depth])
        if not folder.stat().st_mode & 0o001:
            return str(folder)
    return None


def unprivileged_command(uid: int, argv: list[str]) -> list[str]:
    """`argv` run as `uid` with no capability. When this interpreter lives under a folder other
    users cannot enter (pyenv under /root), a private mount namespace first replaces that folder
    by a tmpfs holding only the interpreter, so the uid can run it without any privilege."""
    drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all"]
    drop += ["--bounding-set=-all", "--"]
    hidden = sorted({a for p in (sys.prefix, sys.base_prefix) if (a := _private_ancestor(p))})
    if not hidden:
        return [*drop, *argv]
    lines = ["set -e", "keep=$(mktemp -d)"]
    for i, folder in enumerate(hidden):
        lines += [f'mkdir "$keep/{i}"', f'mount --bind "{folder}" "$keep/{i}"']
        lines.append(f'mount -t tmpfs -o mode=0755 tmpfs "{folder}"')
        for prefix in (sys.prefix, sys.base_prefix):
            real = str(Path(prefix).resolve())
            if real.startswith(folder + "/"):
                rel = real[len(folder) + 1 :]
                lines += [f'mkdir -p "{real}"', f'mount --bind "$keep/{i}/{rel}" "{real}"']
    lines.append('exec "$@"')
    return [
        "unshare",
        "-m",
        "--propagation",
        "private",
        "sh",
        "-c",
        "\n".join(lines),
        "sh",
        *drop,
        *argv,
    ]


def _run_as(
    uid: int, codes: list[str], problems: list[dict | None], options: dict, base: Path
) -> list[dict]:
    request = json.dumps({"codes": codes, "problems": problems, **options})
    proc = subprocess.run(
        unprivileged_command(uid, [sys.executable, "-B", str(Path(__file__).resolve()), "--run"]),
        input=request,
        capture_output=True,
        text=True,
        cwd=base,
        timeout=600,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"unprivileged runner failed ({proc.returncode}): {proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


OS_ONLY = ("audit-hook",)
# label -> run_attacks options; "uid": run the sandbox's caller as that unprivileged uid (root only)
MODES: dict[str, dict[str, Any]] = {
    "caller": {},
    "caller, OS layers only": {"without": OS_ONLY},
    "caller, namespaces refused, OS layers only": {"namespaces": False, "without": OS_ONLY},
    "uid 65534": {"uid": 65534},
    "uid 65534, OS layers only": {"uid": 65534, "without": OS_ONLY},
    "uid 65534, namespaces refused, OS layers only": {
        "uid": 65534,
        "namespaces": False,
        "without": OS_ONLY,
    },
}


def attack_mode(
    tmp: Path,
    attacks: list[dict[str, str]],
    namespaces: bool = True,
    without: tuple[str, ...] = (),
    uid: int | None = None,
) -> list[dict]:
    """Targets owned by whoever calls the sandbox (in /root when that is root), then the attacks."""
    owner = os.geteuid() if uid is None else uid
    private_parent = Path("/root") if owner == 0 else None
    targets = make_targets(tmp / "t", owner, private_parent, len(attacks))
    try:
        return run_attacks(targets, attacks, namespaces, without, uid)
    finally:
        close_targets(targets)


def table(rows: dict[str, list[dict]]) -> str:
    """Markdown: attack -> contained? per mode."""
    modes = list(rows)
    names = [v["name"] for v in rows[modes[0]]]
    out = ["| attack | " + " | ".join(modes) + " |", "|---|" + "---|" * len(modes)]
    for i, name in enumerate(names):
        cells = []
        for m in modes:
            v = rows[m][i]
            cells.append(
                "contained" if v["contained"] else "ESCAPED: " + "; ".join(v["violations"])
            )
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    for m in modes:
        escapes = sum(not v["contained"] for v in rows[m])
        out.append(
            f"\n{m}: {len(rows[m]) - escapes}/{len(rows[m])} contained; layers: "
            + " ".join(rows[m][0]["isolation"])
        )
    return "\n".join(out)


def main() -> None:
    if sys.argv[1:] == ["--run"]:
        request = json.loads(sys.stdin.read())
        outputs = run_programs(
            request["codes"],
            request["namespaces"],
            request["without"],
            request["problems"],
            request["runs_dir"],
        )
        json.dump(outputs, sys.stdout)
        return
    attacks = load_attacks()
    rows: dict[str, list[dict]] = {}
    for label, mode in MODES.items():
        if mode.get("uid") is not None and os.geteuid() != 0:
            continue
        tmp = tempfile.mkdtemp(prefix="peftbench-attacks-")
        os.chmod(tmp, 0o755)
        try:
            rows[label] = attack_mode(Path(tmp), attacks, **mode)
        finally:
            remove_leftovers(Path(tmp))
    print(table(rows))


def remove_leftovers(folder: Path) -> None:
    """Remove a test folder, whatever a sandbox that failed to clean up left in it (links,
    1,100 nested folders, chmod 0): the sandbox's own cleanup, which the attacks test."""
    sys.path.insert(0, str(SRC))
    from peftbench.sandbox import _remove_tree

    try:
        _remove_tree(folder)
    except Exception as exc:  # an older sandbox's cleanup: say so, do not hide the table
        print(f"could not remove {folder}: {exc!r}", file=sys.stderr)


if __name__ == "__main__":
    main()
