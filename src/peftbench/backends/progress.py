"""The grid-level progress bar, shared by the backends."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: tqdm is imported when a grid runs
    from tqdm import tqdm


def grid_bar(total: int, enabled: bool) -> tqdm:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="grid", unit="run", disable=not enabled, position=0)
