"""The real command line in a subprocess, as the end-to-end tests run it (one helper for all)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path


def peftbench(
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    drop: Sequence[str] = (),
    timeout: float = 900,
) -> subprocess.CompletedProcess[str]:
    """`python -m peftbench ARGS` in `cwd`, output captured as text, Python warnings off.
    `env`: variables to set; `drop`: prefixes of variables to remove from this process's
    environment first (a developer's MLflow or plugin settings must not reach the test)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(tuple(drop))}
    full.update({"PYTHONWARNINGS": "ignore", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "peftbench", *args],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
