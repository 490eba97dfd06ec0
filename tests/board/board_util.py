"""The results folders of the board tests: the checked-in smoke results (a real `peftbench run
smoke`, 3 methods x 2 toy tasks x 2 seeds; adapters left out) and the hand-made tie grid of
tests/reports (scores known in advance)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "board"
SMOKE = DATA / "smoke_results"
GOLDEN = DATA / "golden"
_SYNTHETIC = Path(__file__).resolve().parents[1] / "reports" / "synthetic.py"


def results(name: str, tmp: Path) -> Path:
    """The results folder `name` ('smoke' or 'tie_cells'); a synthetic one is written to `tmp`."""
    if name == "smoke":
        return SMOKE
    spec = importlib.util.spec_from_file_location("board_synthetic", _SYNTHETIC)
    assert spec and spec.loader
    synthetic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synthetic)
    return Path(synthetic.write_results(tmp / name, synthetic.load_grid(f"{name}.json")))
