"""The committed results folder every tracker test logs from (tracker_util.committed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tracker_util import committed

from peftbench.results.store import ResultsStore


@pytest.fixture
def store(tmp_path: Path) -> ResultsStore:
    return committed(tmp_path / "results")
