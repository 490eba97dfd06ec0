"""Peak training memory, the one definition.

CUDA: `torch.cuda.max_memory_allocated` (and `max_memory_reserved`) minus what was allocated
(reserved) before the model loaded. CPU: the process's peak resident set (VmHWM) minus its
resident set before the model loaded.

What the figure covers: the model's weights, the adapter, and training (forward, backward,
optimizer state). Not covered: transient buffers of loading, the base-model latency/FLOPs
measurement (the peak is re-armed after it, keeping the pre-load baseline), evaluation and the
adapted-model measurements (the peak is read right after training, before them).

Isolation: each run trains in its own process (backends/local.py), and on Linux the peak is
reset through /proc/self/clear_refs, so earlier runs never leak into a figure. Where the reset
is refused the record says so.
"""

from __future__ import annotations

import ctypes
import gc
from dataclasses import dataclass
from pathlib import Path

COVERS = "model weights + adapter + training (forward, backward, optimizer state)"
EXCLUDES = "model-loading transients, base measurements, evaluation, adapted measurements"


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_mb() -> float:
    return (_status_kb("VmRSS") or 0) / 1024


def _file_mb() -> float:
    """Resident file-backed pages (shared-library code, memory-mapped files)."""
    return (_status_kb("RssFile") or 0) / 1024


def _reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _trim_heap() -> None:
    """Hand freed heap pages back to the OS, so the re-armed peak starts from live memory."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


@dataclass
class MemoryProbe:
    """`start` before the model loads, `rearm` after base measurements, `peak` after training."""

    device: str
    baseline_mb: float = 0.0
    baseline_reserved_mb: float = 0.0
    reset_ok: bool = True
    baseline_file_mb: float = 0.0

    @classmethod
    def start(cls, device: str) -> MemoryProbe:
        if device.startswith("cuda"):
            import torch

            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            return cls(
                device, torch.cuda.memory_allocated() / 2**20, torch.cuda.memory_reserved() / 2**20
            )
        _trim_heap()
        reset = _reset_peak_rss()
        return cls(device, rss_mb(), reset_ok=reset, baseline_file_mb=_file_mb())

    def rearm(self) -> None:
        """Forget peaks reached so far (loading, base measurements); keep the pre-load baseline."""
        if self.device.startswith("cuda"):
            import torch

            torch.cuda.synchronize()
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
            return
        _trim_heap()
        self.reset_ok = _reset_peak_rss() and self.reset_ok

    def peak(self) -> dict[str, float | str]:
        if self.device.startswith("cuda"):
            import torch

            torch.cuda.synchronize()
            return {
                "peak_train_mem_mb": torch.cuda.max_memory_allocated() / 2**20 - self.baseline_mb,
                "peak_train_reserved_mb": torch.cuda.max_memory_reserved() / 2**20
                - self.baseline_reserved_mb,
                "memory_baseline_mb": self.baseline_mb,
                "memory_kind": "cuda max_memory_allocated minus allocated before model load",
                "memory_covers": COVERS,
                "memory_excludes": EXCLUDES,
            }
        hwm = (_status_kb("VmHWM") or 0) / 1024
        return {
            "peak_train_mem_mb": hwm - self.baseline_mb,
            "peak_rss_mb": hwm,
            "rss_file_growth_mb": _file_mb() - self.baseline_file_mb,
            "memory_baseline_mb": self.baseline_mb,
            "memory_kind": "cpu peak RSS (VmHWM) of the run's process minus RSS before model load"
            + ("" if self.reset_ok else " (peak could not be reset: includes earlier work)"),
            "memory_covers": COVERS,
            "memory_excludes": EXCLUDES,
        }
