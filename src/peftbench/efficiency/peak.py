"""A device's bf16 peak, measured and from its datasheet, and model FLOPs utilisation (MFU).

MFU says how much of the device's matrix throughput training turns into model work:

    MFU = FLOPs of the training steps / seconds they took / peak FLOP/s

The FLOPs are counted, not estimated: one training step (forward and backward, on the shapes
trained) under `efficiency.flops.counted_flops`, with its rules (matrix products and attention,
a multiply-add = 2). For a PEFT method the backward pass computes no gradient for frozen
weights, so a step costs about 2x the forward, not the 3x of full training.

Two peaks, because each answers a different question: the datasheet's dense bf16 tensor figure
(what MFU conventionally compares to; it assumes boost clocks no real run holds) and the rate
this device reached here on a large bf16 matrix product (what is attainable on this machine).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from collections.abc import Callable

# Dense bf16 tensor-core TFLOP/s by device name (NVIDIA datasheets give the with-sparsity
# figure; dense is half). Checked in order: the first entry whose key is in the lowercased
# device name wins, so the specific names come before the family name.
DATASHEET_BF16_TFLOPS: tuple[tuple[str, float, str], ...] = (
    ("h100 pcie", 756.0, "NVIDIA H100 PCIe datasheet: 1,513 TFLOPS bf16 with sparsity"),
    ("h100 nvl", 835.0, "NVIDIA H100 NVL datasheet: 1,671 TFLOPS bf16 with sparsity"),
    ("h100", 989.4, "NVIDIA H100 SXM5 datasheet: 1,979 TFLOPS bf16 with sparsity"),
    ("h200 nvl", 835.0, "NVIDIA H200 NVL datasheet: 1,671 TFLOPS bf16 with sparsity"),
    ("h200", 989.4, "NVIDIA H200 SXM datasheet: 1,979 TFLOPS bf16 with sparsity"),
    ("a100", 312.0, "NVIDIA A100 datasheet: 624 TFLOPS bf16 with sparsity"),
)


@dataclass(frozen=True)
class Datasheet:
    tflops: float | None  # None: no datasheet figure for this device
    source: str


def datasheet_peak(device_name: str) -> Datasheet:
    """The dense bf16 datasheet peak of a device, by its name (`torch.cuda.get_device_name`)."""
    name = device_name.lower()
    for key, tflops, source in DATASHEET_BF16_TFLOPS:
        if key in name:
            return Datasheet(tflops, source)
    return Datasheet(None, f"no datasheet figure known for '{device_name}'")


def measured_peak_tflops(device: str, size: int, repeats: int) -> float:
    """TFLOP/s of a `size` x `size` bf16 matrix product repeated `repeats` times on `device`
    (after two untimed products): 2 size^3 FLOPs each. On CUDA timed with CUDA events."""
    import torch

    gen = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=gen).to(device=device, dtype=torch.bfloat16)
    b = torch.randn(size, size, generator=gen).to(device=device, dtype=torch.bfloat16)
    for _ in range(2):
        torch.matmul(a, b)
    seconds = _timed(device, lambda: [torch.matmul(a, b) for _ in range(repeats)])
    return 2.0 * size**3 * repeats / seconds / 1e12


def _timed(device: str, work: Callable[[], object]) -> float:
    """Seconds `work()` takes on `device` (CUDA events around it on a GPU)."""
    import torch

    if device.startswith("cuda"):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        torch.cuda.synchronize()
        start.record()
        work()
        end.record()
        torch.cuda.synchronize()
        return float(start.elapsed_time(end)) / 1000.0
    begin = time.perf_counter()
    work()
    return time.perf_counter() - begin


def mfu_pct(flops: float, seconds: float, peak_tflops: float | None) -> float | None:
    """Model FLOPs utilisation in % (None without a peak or a positive time)."""
    if peak_tflops is None or peak_tflops <= 0 or seconds <= 0:
        return None
    return 100.0 * flops / seconds / (peak_tflops * 1e12)
