"""Helpers shared by the report tests (imported by their conftest and test modules)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# the session's smoke results (conftest.smoke_run): these methods and seeds
METHODS = ["frozen", "lora", "ia3"]
SEEDS = [1, 2]


def peftbench(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "peftbench", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def run_dirs(root: Path, method: str | None = None, dataset: str | None = None) -> list[Path]:
    """Run folders, optionally of one method and/or dataset (from their config.json)."""
    out = []
    for d in sorted((root / "runs").iterdir()):
        if not (d / "config.json").is_file():
            continue
        cfg = json.loads((d / "config.json").read_text())
        if method in (None, cfg["method"]) and dataset in (None, cfg["dataset"]):
            out.append(d)
    return out


def edit_json(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))
