"""Results folders and bundles for the community tests, built from the checked-in smoke results
(tests/data/board/smoke_results: a real `peftbench run smoke`, 3 methods x 2 toy tasks x 2 seeds)
and the attack recipes in tests/data/community/attacks.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from peftbench.cli import main as cli

DATA = Path(__file__).resolve().parents[1] / "data"
SMOKE = DATA / "board" / "smoke_results"
ATTACKS = json.loads((DATA / "community" / "attacks.json").read_text())


def smoke_copy(dest: Path, methods: tuple[str, ...] | None = None) -> Path:
    """A copy of the smoke results at `dest`, keeping only the runs of `methods` when given."""
    shutil.copytree(SMOKE, dest)
    if methods is not None:
        for run in sorted((dest / "runs").iterdir()):
            if run.name.split("__")[2] not in methods:
                shutil.rmtree(run)
        _keep_invocation(dest)
    return dest


def _keep_invocation(folder: Path) -> None:
    """The folder's last invocation, limited to the runs it still holds."""
    path = folder / "invocations.json"
    data = json.loads(path.read_text())
    present = {p.name for p in (folder / "runs").iterdir()}
    for inv in data["invocations"]:
        inv["run_ids"] = [r for r in inv["run_ids"] if r in present]
    path.write_text(json.dumps(data))


def run_ids(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "runs").iterdir())


def edit_json(path: Path, **changes: Any) -> None:
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data, indent=2))


def pack(folder: Path, out: Path, *extra: str) -> int:
    return cli(["pack", str(folder), "--out", str(out), *extra])


def merge(out: Path, *bundles: Path) -> int:
    return cli(["merge", *(str(b) for b in bundles), "--out", str(out)])


def files_under(root: Path) -> set[str]:
    """Every path under `root` (to show that nothing outside --out was written)."""
    return {str(p.relative_to(root)) for p in root.rglob("*")}
