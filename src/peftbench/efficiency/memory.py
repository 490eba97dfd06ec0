"""Peak training memory, the one definition.

CUDA: `torch.cuda.max_memory_allocated` (and reserved) minus what was allocated before the model
loaded. CPU: the process's peak resident set (VmHWM) minus its resident set before the model
loaded. Each run trains in its own process (backends/local.py), and the peak is reset with
/proc/self/clear_refs before loading, so earlier runs never leak into a figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


@dataclass
class MemoryProbe:
    """Start before the model loads; `peak_mb()` after training (before evaluation)."""

    device: str
    baseline_mb: float = 0.0
    baseline_reserved_mb: float = 0.0
    reset_ok: bool = True

    @classmethod
    def start(cls, device: str) -> MemoryProbe:
        if device.startswith("cuda"):
            import torch

            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            return cls(
                device, torch.cuda.memory_allocated() / 2**20, torch.cuda.memory_reserved() / 2**20
            )
        reset = _reset_peak_rss()
        return cls(device, (_status_kb("VmRSS") or 0) / 1024, reset_ok=reset)

    def peak(self) -> dict[str, Any]:
        if self.device.startswith("cuda"):
            import torch

            torch.cuda.synchronize()
            return {
                "peak_train_mem_mb": torch.cuda.max_memory_allocated() / 2**20 - self.baseline_mb,
                "peak_train_reserved_mb": torch.cuda.max_memory_reserved() / 2**20
                - self.baseline_reserved_mb,
                "memory_kind": "cuda max_memory_allocated minus allocated before model load",
            }
        hwm = (_status_kb("VmHWM") or 0) / 1024
        return {
            "peak_train_mem_mb": hwm - self.baseline_mb,
            "peak_rss_mb": hwm,
            "memory_kind": "cpu peak RSS (VmHWM) of the run's process minus RSS before model load"
            + ("" if self.reset_ok else " (peak could not be reset: includes earlier work)"),
        }
