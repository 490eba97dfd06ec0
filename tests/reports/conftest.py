"""One real results folder for the report tests, made once per session by `peftbench run`.

The tiny smoke suite (random tiny Llama, two toy tasks) with three methods and two seeds, so
seed statistics have something to spread over. Tests that need failed, missing or altered runs
copy this folder and change the copy (`copy_results`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from reports_util import METHODS, SEEDS, peftbench


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("report-smoke") / "results"
    proc = peftbench(
        "run",
        "smoke",
        "--out",
        str(out),
        "--set",
        f"seeds={json.dumps(SEEDS)}",
        "--set",
        f"methods=[{','.join(METHODS)}]",
        "--set",
        "training.max_steps=10",
        "--no-progress",
        cwd=out.parent,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return out, proc


@pytest.fixture()
def results(smoke_run: tuple[Path, subprocess.CompletedProcess]) -> Path:
    return smoke_run[0]


@pytest.fixture()
def copy_results(results: Path, tmp_path: Path) -> Callable[[str], Path]:
    """copy_results(name) -> a private copy of the results folder to alter."""

    def make(name: str) -> Path:
        dst = tmp_path / name
        shutil.copytree(results, dst)
        for stale in dst.glob("report*"):
            stale.unlink()
        return dst

    return make
