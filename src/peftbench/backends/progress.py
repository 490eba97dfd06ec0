"""The grid-level progress bar, shared by the backends."""

from __future__ import annotations

from typing import Any


def grid_bar(total: int, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="grid", unit="run", disable=not enabled, position=0)
