"""Method tests run many tiny-model steps: one torch thread is several times faster for them on a
shared CPU than competing threads (tiny matmuls spend their time synchronising)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="package")
def _one_torch_thread() -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
