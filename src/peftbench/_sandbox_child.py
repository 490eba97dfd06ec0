"""Bootstrap of a sandboxed run: `python -I -B _sandbox_child.py <config>` (see sandbox.py; the
config is a dict, marshalled and hex-encoded: `json` would cost an import of `re` per run).

Trusted code, run as a script before any user code exists. It imports nothing from peftbench and
uses only what the kernel gives (no compiled helper). Three processes:

- B (this script as started): applies rlimits, enters new mount, PID, network, IPC and UTS
  namespaces (plus a user namespace when not root), forks C, waits for it and exits the way the
  user's code exited.
- C (PID 1 of the new PID namespace): builds the private root (a read-only tmpfs holding only the
  Python installation, the system libraries, a few /dev nodes, a fresh /proc and the work folder),
  pivots into it and detaches the host's tree, drops every capability (bounding set included) and,
  as root, switches to the run's unprivileged uid; sets no-new-privs, Landlock, then forks D and
  reaps. When C exits the kernel kills everything left in the namespace.
- D: installs the seccomp filter and the audit-hook tripwire, then runs the user's code.

Which layers held is written, space separated, to the status pipe before any user code runs.
When namespaces are unavailable the run falls back to uid + capability drop + Landlock in B
itself; with neither a mount namespace nor Landlock it refuses to run (fail closed).
"""

from __future__ import annotations

import _signal as signal  # `signal` would import enum: this script keeps its imports minimal
import marshal
import os
import resource
import struct
import sys

TYPE_CHECKING = False  # not `typing`: every import here is paid by each sandboxed run
if TYPE_CHECKING:
    from collections.abc import Callable
    from ctypes import CDLL
    from typing import NoReturn

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
CLONE_NEWCGROUP, CLONE_THREAD = 0x02000000, 0x00010000
NS_FLAGS = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP = 1, 4, 24
PR_SET_SECUREBITS, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 28, 38, 47
PR_CAP_AMBIENT_CLEAR_ALL, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 4, 22, 2
SECBIT_NOROOT_ALL = 0x3  # SECBIT_NOROOT | SECBIT_NOROOT_LOCKED: exec never grants caps to uid 0
_CAP_VERSION_3 = 0x20080522
# (pivot_root, landlock_create_ruleset, landlock_add_rule, landlock_restrict_self) by machine
SYSCALLS = {"x86_64": (155, 444, 445, 446), "aarch64": (41, 444, 445, 446)}
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime")
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
# Where the work folder is inside the private root: a neutral path, so that nothing the code can
# read (cwd, environment, /proc/self/mountinfo) names the host's folders.
WORK = "/work"


def work_dir(paths: list[str]) -> str:
    """Where the code's writable tmpfs is mounted in the private root: /work, or /work1,
    /work2... when a host path bound read-only into the root lies under that name (a
    virtual environment in /work/project/.venv would otherwise already have made /work, and
    mounting the tmpfs over it would hide the interpreter)."""
    name, i = WORK, 0
    while any(p == name or p.startswith(name + "/") for p in paths):
        i += 1
        name = f"{WORK}{i}"
    return name


def _libc() -> CDLL:
    import ctypes  # only in the layers that need it: this script keeps its imports minimal

    return ctypes.CDLL(None, use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        import ctypes  # only in the layers that need it: this script keeps its imports minimal

        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _limit(res: int, soft: int, hard: int | None = None) -> None:
    resource.setrlimit(res, (soft, soft if hard is None else hard))


# --- what the child may see --------------------------------------------------------------------


def python_paths() -> list[str]:
    """The interpreter's installation (venv and base), outermost first, without nested entries."""
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    candidates.update(p for p in sys.path[1:] if p and os.path.isdir(p))  # [0]: this script's dir
    real = sorted({os.path.realpath(p) for p in candidates if os.path.isdir(p)})
    prefixes = [p for p in real if any(p.startswith(q) for q in (sys.prefix, sys.base_prefix))]
    kept: list[str] = []
    for p in prefixes or real:
        if not any(p == k or p.startswith(k + "/") for k in kept):
            kept.append(p)
    return kept


def readable_paths() -> list[str]:
    paths = [*python_paths(), *SYSTEM_DIRS, *SYSTEM_FILES]
    return [p for p in paths if os.path.lexists(p)]


# --- mounts ------------------------------------------------------------------------------------


def _mount(
    libc: CDLL, src: str | None, dst: str, fstype: str | None, flags: int, data=None
) -> None:
    enc = [None if x is None else x.encode() for x in (src, dst, fstype, data)]
    _check(libc.mount(enc[0], enc[1], enc[2], flags, enc[3]), f"mount {dst}")


def _locked_flags(path: str) -> int:
    """Mount flags of `path`'s mount that a read-only remount must keep (locked in a userns)."""
    f = os.statvfs(path).f_flag
    table = ((1, MS_RDONLY), (2, MS_NOSUID), (4, MS_NODEV), (8, MS_NOEXEC), (1024, MS_NOATIME))
    flags = sum(ms for st, ms in table if f & st)
    flags |= MS_NODIRATIME if f & 2048 else 0
    return flags | (MS_RELATIME if f & 4096 else 0)


def _bind(libc: CDLL, src: str, dst: str, mode: str = "ro") -> None:
    """Bind `src` at `dst`: "ro" read-only, "rw" writable, "dev" a device node (no nodev)."""
    if os.path.isdir(src):
        os.makedirs(dst, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "a"):
            pass
    _mount(libc, src, dst, None, MS_BIND)
    flags = (_locked_flags(src) | MS_NOSUID) & ~MS_RDONLY
    flags |= {"ro": MS_RDONLY | MS_NODEV, "rw": MS_NODEV, "dev": MS_NOEXEC}[mode]
    _mount(libc, None, dst, None, MS_REMOUNT | MS_BIND | flags)


def build_root(libc: CDLL, newroot: str, cfg: dict) -> None:
    """Pivot into a minimal read-only tree; the host's tree is detached, not just hidden. The
    work folder is a fresh tmpfs of `disk` bytes and `inodes` entries at /work: the only
    writable place, so what the code writes is bounded and never reaches the host's disk."""
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)  # nothing propagates back to the host
    _mount(libc, "tmpfs", newroot, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
    paths = readable_paths()
    work = work_dir(paths)
    for src in paths:
        dst = newroot + src
        if os.path.islink(src) and src in SYSTEM_DIRS:  # merged /usr: /lib -> usr/lib
            os.symlink(os.readlink(src), dst)
        else:
            _bind(libc, os.path.realpath(src), dst)
    for dev in DEVICES:
        if os.path.exists(dev):
            _bind(libc, dev, newroot + dev, "dev")
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0")):
        os.symlink(target, f"{newroot}/dev/{name}")
    for i, name in ((1, "stdout"), (2, "stderr")):
        os.symlink(f"/proc/self/fd/{i}", f"{newroot}/dev/{name}")
    os.makedirs(newroot + "/proc")
    _mount(libc, "proc", newroot + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.makedirs(newroot + work)
    owner = "" if cfg["uid"] is None else f",uid={cfg['uid']},gid={cfg['uid']}"
    options = f"mode=0700,size={cfg['disk']},nr_inodes={cfg['inodes']}{owner}"
    _mount(libc, "tmpfs", newroot + work, "tmpfs", MS_NOSUID | MS_NODEV, options)
    os.mkdir(newroot + "/.old")
    old = (newroot + "/.old").encode()
    _check(libc.syscall(SYSCALLS[os.uname().machine][0], newroot.encode(), old), "pivot_root")
    os.chdir("/")
    _check(libc.umount2(b"/.old", MNT_DETACH), "umount old root")
    os.rmdir("/.old")
    _mount(libc, None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir(work)
    cfg["root"] = work
    os.environ.update(HOME=work, TMPDIR=work)


# --- privileges --------------------------------------------------------------------------------


def _set_caps(libc: CDLL, mask: int) -> None:
    import ctypes  # only in the layers that need it: this script keeps its imports minimal

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [(n, ctypes.c_uint32) for n in ("effective", "permitted", "inheritable")]

    data = (Data * 2)()
    for i in range(2):
        data[i].effective = data[i].permitted = (mask >> (32 * i)) & 0xFFFFFFFF
    _check(libc.capset(ctypes.byref(Header(_CAP_VERSION_3, 0)), data), "capset")


def capabilities() -> int:
    with open("/proc/self/status") as f:
        return int(next(ln for ln in f if ln.startswith("CapEff:")).split()[1], 16)


def drop_privileges(libc: CDLL, uid: int | None, keep_read: bool = False) -> str:
    """Empty the bounding set, then become `uid` (root: a fresh unprivileged uid, which clears
    every capability) or, in a user namespace, clear the capabilities and lock them off for
    exec. `keep_read` (fallback without a mount namespace only) keeps CAP_DAC_READ_SEARCH
    so an interpreter under a 0700 home can still be read; Landlock then limits what is read."""
    last = int(open("/proc/sys/kernel/cap_last_cap").read())
    for cap in range(last + 1):
        if not (keep_read and cap == 2):
            libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    if uid is None:
        _check(libc.prctl(PR_SET_SECUREBITS, SECBIT_NOROOT_ALL, 0, 0, 0), "securebits")
        _set_caps(libc, 0)
        return "caps-dropped"
    if keep_read:
        _check(libc.prctl(8, 1, 0, 0, 0), "keepcaps")  # PR_SET_KEEPCAPS across setuid
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if keep_read:
        _set_caps(libc, 1 << 2)
        return "uid caps-dropped-but-read"
    return "uid caps-dropped"


# --- Landlock ----------------------------------------------------------------------------------

LL_EXECUTE, LL_WRITE, LL_READ_FILE, LL_READ_DIR = 1, 2, 4, 8
LL_TRUNCATE, LL_IOCTL_DEV = 1 << 14, 1 << 15


def landlock(libc: CDLL, read: list[str], write: list[str]) -> bool:
    """Deny every file-system access but reading/executing `read` and anything in `write`; deny
    TCP bind/connect; scope signals and abstract sockets to the sandbox. False if unsupported."""
    nr = SYSCALLS.get(os.uname().machine)
    if nr is None:
        return False
    abi = libc.syscall(nr[1], None, 0, 1)  # LANDLOCK_CREATE_RULESET_VERSION
    if abi < 1:
        return False
    fs = (1 << 13) - 1
    fs |= (1 << 13) if abi >= 2 else 0
    fs |= LL_TRUNCATE if abi >= 3 else 0
    fs |= LL_IOCTL_DEV if abi >= 5 else 0
    attr = struct.pack("<Q", fs)
    if abi >= 4:
        attr += struct.pack("<Q", 0b11)  # handled: TCP bind, TCP connect (no rule allows them)
    if abi >= 6:
        attr += struct.pack("<Q", 0b11)  # scoped: abstract unix sockets, signals
    ruleset = libc.syscall(nr[1], attr, len(attr), 0)
    if ruleset < 0:
        return False
    file_rights = LL_EXECUTE | LL_WRITE | LL_READ_FILE | (LL_TRUNCATE if abi >= 3 else 0)
    file_rights |= LL_IOCTL_DEV if abi >= 5 else 0
    try:
        for path, rights in [(p, LL_EXECUTE | LL_READ_FILE | LL_READ_DIR) for p in read] + [
            (p, fs) for p in write
        ]:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                if not os.path.isdir(path):
                    rights &= file_rights
                rule = struct.pack("<Qi", rights, fd)
                _check(libc.syscall(nr[2], ruleset, 1, rule, 0), f"landlock rule {path}")
            finally:
                os.close(fd)
        _check(libc.syscall(nr[3], ruleset, 0), "landlock_restrict_self")
    finally:
        os.close(ruleset)
    return True


# --- seccomp -----------------------------------------------------------------------------------

# x86_64 system call numbers, by what refusing them stops (other architectures get no seccomp
# layer, and the run's record says so).
_NETWORK = "socket 41 connect 42 accept 43 bind 49 listen 50 socketpair 53 accept4 288"
_SPAWN = "fork 57 vfork 58 execve 59 execveat 322"
_ESCAPE = (
    "ptrace 101 mount 165 umount2 166 pivot_root 155 chroot 161 unshare 272 setns 308 "
    "keyctl 250 add_key 248 request_key 249 bpf 321 perf_event_open 298 userfaultfd 323 "
    "kexec_load 246 kexec_file_load 320 init_module 175 finit_module 313 delete_module 176 "
    "reboot 169 swapon 167 swapoff 168 process_vm_readv 310 process_vm_writev 311 "
    "io_uring_setup 425 io_uring_enter 426 io_uring_register 427 name_to_handle_at 303 "
    "open_by_handle_at 304 open_tree 428 move_mount 429 fsopen 430 fsconfig 431 fsmount 432 "
    "mount_setattr 442 pidfd_getfd 438 acct 163 syslog 103 uselib 134 vhangup 153 iopl 172 "
    "ioperm 173 kcmp 312 fanotify_init 300 memfd_secret 447"
)
# Memory that no mapping holds, so RLIMIT_AS does not count it: memfd pages, SysV shared memory,
# message queues and semaphores, POSIX message queues. (POSIX shm needs a writable /dev/shm,
# which the sandbox never has; the work folder is a tmpfs of bounded size.)
_SHARED_MEMORY = (
    "memfd_create 319 shmget 29 shmat 30 shmctl 31 shmdt 67 semget 64 semop 65 semctl 66 "
    "semtimedop 220 msgget 68 msgsnd 69 msgrcv 70 msgctl 71 mq_open 240 mq_unlink 241 "
    "mq_timedsend 242 mq_timedreceive 243 mq_notify 244 mq_getsetattr 245"
)

# Disk allocated at once, not written: where the work folder is on the host's disk (the
# fallback, no tmpfs), its bound is a watchdog that looks every 50 ms, and fallocate placed
# 700 MiB there in between (100 files of 7 MiB, each under RLIMIT_FSIZE). Writes and page
# faults are slow enough to be caught; glibc does not emulate fallocate on EPERM.
_DISK = "fallocate 285"


def _numbers(table: str) -> list[int]:
    return [int(x) for x in table.split()[1::2]]


_NS_CLONE = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID
_NS_CLONE |= CLONE_NEWNET | CLONE_NEWCGROUP


def seccomp(libc: CDLL, allow_spawn: bool) -> bool:
    """A hand-assembled BPF deny-list: sockets, ptrace, mounts, namespaces, module/kexec/bpf,
    shared memory outside the address space (memfd, SysV IPC, POSIX message queues),
    fallocate and similar are refused with EPERM; without `allow_spawn` also fork/exec and any
    clone that is not a thread. clone3 answers ENOSYS so libc falls back to the inspectable
    clone."""
    import ctypes  # only in the layers that need it: this script keeps its imports minimal

    if os.uname().machine != "x86_64":
        return False
    eperm, enosys, allow = 0x50000 | 1, 0x50000 | 38, 0x7FFF0000
    deny = _numbers(_NETWORK) + _numbers(_ESCAPE) + _numbers(_SHARED_MEMORY) + _numbers(_DISK)
    deny += [] if allow_spawn else _numbers(_SPAWN)
    ld_w_abs, jeq, jset, jge, ret = 0x20, 0x15, 0x45, 0x35, 0x06
    prog: list[tuple[int, int, int, int]] = [
        (ld_w_abs, 0, 0, 4),  # arch
        (jeq, 1, 0, 0xC000003E),  # AUDIT_ARCH_X86_64
        (ret, 0, 0, 0x80000000),  # other ABI: kill
        (ld_w_abs, 0, 0, 0),  # syscall number
        (jge, 0, 1, 0x40000000),  # x32 ABI: refuse
        (ret, 0, 0, eperm),
        (jeq, 0, 1, 435),  # clone3
        (ret, 0, 0, enosys),
    ]
    for nr in deny:
        prog += [(jeq, 0, 1, nr), (ret, 0, 0, eperm)]
    prog += [(jeq, 1, 0, 56), (ret, 0, 0, allow)]  # clone: look at its flags
    prog += [(ld_w_abs, 0, 0, 16), (jset, 0, 1, _NS_CLONE), (ret, 0, 0, eperm)]
    if not allow_spawn:
        prog += [(jset, 1, 0, CLONE_THREAD), (ret, 0, 0, eperm)]
    prog += [(ret, 0, 0, allow)]
    raw = b"".join(struct.pack("<HBBI", *ins) for ins in prog)
    buf = ctypes.create_string_buffer(raw, len(raw))

    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = Fprog(len(prog), ctypes.addressof(buf))
    _check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0), "seccomp")
    return True


# --- the Python-level tripwire -----------------------------------------------------------------


def install_guard(root: str, allow_subprocess: bool) -> None:
    """Audit hook (cannot be removed by user code): a tripwire, not a boundary (the OS layers
    hold without it; the attack tests run them alone). Its state is immutable (str, int,
    frozensets, tuples) and lives in default arguments: the hook's frame, reachable from a
    traceback, holds nothing whose change outlives the call, and rewriting any function's code
    or defaults (the hook's, or a helper's) is refused. It still calls Python-level helpers
    (`os.path.realpath`) whose module globals code can monkeypatch: that is why it is no
    boundary."""
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
    spawn = frozenset(
        {"os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty"}
        | {"subprocess.Popen", "pty.spawn"}
    )
    # _posixsubprocess.fork_exec raises no audit event of its own: refuse loading the module
    banned_imports = frozenset(() if allow_subprocess else ("_posixsubprocess",))
    if not allow_subprocess:
        sys.modules.pop("_posixsubprocess", None)
    paths = (
        ("os.remove", (0,)), ("os.rmdir", (0,)), ("os.mkdir", (0,)), ("os.rename", (0, 1)),
        ("os.link", (0, 1)), ("os.symlink", (1,)), ("os.chmod", (0,)), ("os.chown", (0,)),
        ("os.truncate", (0,)), ("os.utime", (0,)), ("os.chflags", (0,)),
        ("shutil.rmtree", (0,)),
    )  # fmt: skip
    frozen = frozenset({"__code__", "__defaults__", "__kwdefaults__", "__globals__"})
    realpath, fsdecode, getpid = os.path.realpath, os.fsdecode, os.getpid

    def hook(
        event: str,
        args: tuple,
        allow_subprocess: bool = allow_subprocess,
        spawn: frozenset = spawn,
        banned_imports: frozenset = banned_imports,
        paths: tuple = paths,
        frozen: frozenset = frozen,
        write_flags: int = write_flags,
        realpath: Callable[[str], str] = realpath,
        fsdecode: Callable[[str | bytes], str] = fsdecode,
        getpid: Callable[[], int] = getpid,
        prefix: str = root.rstrip("/") + "/",
    ) -> None:
        checked: tuple = ()
        if event == "open":
            path, mode, flags = args
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & write_flags
            )
            checked = (path,) if writing and path is not None else ()
        elif event.startswith(("os.", "shutil.")):
            for name, where in paths:
                if event == name:
                    checked = tuple(args[i] for i in where if i < len(args))
        if event == "import":
            if args[0] in banned_imports:
                raise PermissionError(f"sandbox: import of {args[0]} is not allowed")
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
        elif event == "object.__setattr__" and (args[0] is hook or args[1] in frozen):
            raise PermissionError("sandbox: the guard cannot be modified")
        for p in checked:
            if p is None or isinstance(p, int):
                continue  # an already open descriptor
            real = realpath(fsdecode(p))
            if not (real + "/").startswith(prefix) and real != "/dev/null":
                raise PermissionError(f"sandbox: {event} outside the working dir: {p!r}")

    sys.addaudithook(hook)


# --- processes ---------------------------------------------------------------------------------


def _count_processes_of(uid: int) -> int:
    n = 0
    for entry in os.listdir("/proc"):
        try:
            n += entry.isdigit() and os.stat("/proc/" + entry).st_uid == uid
        except OSError:
            pass
    return n


def _exit_like(status: int) -> NoReturn:
    """Leave the way a child with wait status `status` left (signals are re-raised)."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
        except (OSError, ValueError):
            pass
        os._exit(128 + sig)
    os._exit(os.waitstatus_to_exitcode(status))


def _reap_until(pid: int) -> int:
    """As PID 1: reap every orphan; return the wait status of `pid`."""
    while True:
        try:
            done, status = os.wait()
        except ChildProcessError:
            return 0
        if done == pid:
            return status


def _readable(fd: int) -> bool:
    import select  # only when reading a pipe: this script keeps its imports minimal

    return bool(select.select([fd], [], [], 0)[0])


def run_user_code(cfg: dict, layers: list[str], libc: CDLL) -> None:
    """D (or B in the fallback): last layers, report them, then the user's code as __main__."""
    if "seccomp" not in cfg["without"] and seccomp(libc, bool(cfg["subprocess"])):
        layers.append("seccomp")
    if "audit-hook" not in cfg["without"]:
        install_guard(os.path.realpath(cfg["root"]), bool(cfg["subprocess"]))
        layers.append("audit-hook")
    os.write(cfg["status_fd"], " ".join(layers).encode())
    os.close(cfg["status_fd"])
    sys.argv = ["solution.py"]
    sys.path[:] = [p for p in sys.path[1:] if os.path.exists(p)]
    code = compile(cfg["source"], "solution.py", "exec")
    exec(code, {"__name__": "__main__", "__builtins__": __builtins__})


def sandbox_init(cfg: dict, layers: list[str], libc: CDLL, alive_r: int, relay_w: int) -> None:
    """C, PID 1 of the sandbox: isolate, fork D, reap, report D's wait status to B. Returns only
    in D."""
    build_root(libc, cfg["newroot"], cfg)
    layers += ["mountns", "tmpfs-work"]
    layers += drop_privileges(libc, cfg["uid"]).split()
    _check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "pdeathsig")
    if _readable(alive_r):  # B died before the death signal was armed
        os._exit(1)
    os.close(alive_r)
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    layers.append("no-new-privs")
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # D may not read or write C's memory
    read, write = [*readable_paths(), "/dev", "/proc"], [cfg["root"], *DEVICES]
    if "landlock" not in cfg["without"] and landlock(libc, read, write):
        layers.append("landlock")
    if capabilities() != 0:
        raise OSError(1, "capabilities still held after the drop")
    child = os.fork()
    if child == 0:
        os.close(relay_w)
        return
    os.close(cfg["status_fd"])
    status = _reap_until(child)
    os.write(relay_w, str(status).encode())  # PID 1 cannot re-raise a signal on itself
    os._exit(0)


def fallback(cfg: dict, layers: list[str], libc: CDLL) -> None:
    """Namespaces refused (some containers): uid + capabilities + Landlock, or no run at all."""
    paths = readable_paths()
    if cfg["uid"] is not None:
        layers += drop_privileges(libc, cfg["uid"], any(_private(p) for p in paths)).split()
        _die_with_parent(libc, cfg["parent"])  # a change of uid disarms it
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0:
        layers.append("no-new-privs")
    if "landlock" in cfg["without"] or not landlock(
        libc, [*paths, "/dev", "/proc/self/fd"], [cfg["root"], *DEVICES]
    ):
        raise OSError(95, "no file-system isolation here (need namespaces or Landlock)")
    layers.append("landlock")


def _private(path: str) -> bool:
    """Whether a uid sharing no group with the owner cannot reach `path` (an ancestor lacks o+x)."""
    parts = os.path.realpath(path).strip("/").split("/")
    return any(
        not os.stat("/" + "/".join(parts[:depth])).st_mode & 0o001 for depth in range(len(parts))
    )


def _isolation_failed(exc: BaseException, cfg: dict) -> None:
    """No user code runs; the caller learns why on the status pipe (which user code never has
    open, so it cannot fake this) and raises SandboxUnavailable."""
    message = f"refused: could not isolate the run: {exc}"
    try:
        os.write(cfg["status_fd"], message.encode())
    except OSError:
        sys.stderr.write(f"sandbox: {message}\n")
    os._exit(125)


def _die_with_parent(libc: CDLL, parent: int) -> None:
    """SIGKILL when the caller of run_code dies (a killed benchmark leaves no sandbox behind)."""
    _check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "pdeathsig")
    if os.getppid() != parent:
        os._exit(1)


def setup(cfg: dict, layers: list[str]) -> CDLL:
    """Everything before the user's code; returns (in the process that will run it) libc."""
    _limit(resource.RLIMIT_AS, cfg["memory"])
    _limit(resource.RLIMIT_CPU, cfg["cpu"], cfg["cpu"] + 1)
    _limit(resource.RLIMIT_FSIZE, cfg["fsize"])
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_MSGQUEUE, 0)  # POSIX message queues hold memory outside RLIMIT_AS
    files = resource.getrlimit(resource.RLIMIT_NOFILE)[1]  # bounds pipe buffers too
    _limit(resource.RLIMIT_NOFILE, 256 if files < 0 else min(256, files))
    root = os.geteuid() == 0
    if root:
        _limit(resource.RLIMIT_NPROC, cfg["nproc"])  # root is exempt; the fresh uid has none yet
    else:  # RLIMIT_NPROC counts every process of the uid: allow the others plus nproc of ours
        hard = resource.getrlimit(resource.RLIMIT_NPROC)[1]
        want = _count_processes_of(os.getuid()) - 1 + cfg["nproc"]  # - 1: this process
        _limit(resource.RLIMIT_NPROC, want if hard < 0 else min(want, hard), hard)
    libc = _libc()
    _die_with_parent(libc, cfg["parent"])
    uid, gid = os.getuid(), os.getgid()
    if not cfg["namespaces"] or libc.unshare(NS_FLAGS | (0 if root else CLONE_NEWUSER)) != 0:
        if libc.unshare(CLONE_NEWNET if root else CLONE_NEWUSER | CLONE_NEWNET) == 0:
            layers.append("netns")
            if not root:
                cfg["uid"] = None
                _map_ids(uid, gid)
        elif not root:
            cfg["uid"] = None
        try:
            fallback(cfg, layers, libc)
        except OSError as exc:
            _isolation_failed(exc, cfg)
        return libc
    if not root:
        _map_ids(uid, gid)
        layers.append("userns")
        cfg["uid"] = None
    layers += ["netns", "pidns"]
    alive_r, alive_w = os.pipe()
    relay_r, relay_w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(alive_w)
        os.close(relay_r)
        try:
            sandbox_init(cfg, layers, libc, alive_r, relay_w)
        except BaseException as exc:  # before any user code: never a traceback of ours
            _isolation_failed(exc, cfg)
        return libc
    os.close(alive_r)
    os.close(relay_w)
    os.close(cfg["status_fd"])
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    status = os.waitpid(child, 0)[1]
    relayed = os.read(relay_r, 64)
    _exit_like(int(relayed) if relayed else status)


def _map_ids(uid: int, gid: int) -> None:
    """Map our ids to themselves: the namespace's creator holds the capabilities needed to build
    the root whatever its uid, and the code inside is not uid 0 even there."""
    for name, text in (
        ("setgroups", "deny"),
        ("uid_map", f"{uid} {uid} 1"),
        ("gid_map", f"{gid} {gid} 1"),
    ):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)


def main() -> None:
    cfg = marshal.loads(bytes.fromhex(sys.argv[1]))
    with open(cfg["code"], encoding="utf-8") as f:
        cfg["source"] = f.read()
    layers = ["rlimits"]
    libc = setup(cfg, layers)
    run_user_code(cfg, layers, libc)


if __name__ == "__main__":
    main()
