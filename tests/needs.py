"""The one guard for tests that need an optional tool (a library, a program, a kernel feature).

Outside CI a missing tool skips the test with the way to install it. With CI=true it fails
instead: CI (`.ci/run`) installs every tool the tests use, so a skip there would hide a check that
never ran.
"""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def missing(what: str, install: str, module_level: bool = False) -> NoReturn:
    """Skip (fail in CI) because `what` is not available; `install` says how to get it."""
    message = f"{what} is not available: {install}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: .ci/run installs it, so it must be there)", pytrace=False)
    pytest.skip(message, allow_module_level=module_level)


def need_module(name: str, install: str, module_level: bool = False) -> ModuleType:
    """`import name`, or skip/fail with `install` as the fix."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(f"Python module '{name}'", install, module_level)


def need_program(name: str, install: str, module_level: bool = False) -> str:
    """The path of program `name` on PATH (or in /usr/bin), or skip/fail."""
    found = shutil.which(name) or (
        f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None
    )
    if found is None:
        missing(f"program '{name}'", install, module_level)
    return found
