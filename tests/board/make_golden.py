"""How tests/data/board/golden/ was made: the boards and tables of two results folders as the
code before the board stage (commit ba7c8a6) wrote them. Kept so the golden files' origin is
checkable; it runs only against that commit's API (`leaderboard.of_folder` returning a dict):

    git archive ba7c8a6 src tests | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old/src:/tmp/old/tests/reports python tests/board/make_golden.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data" / "board"


def folders(tmp: Path) -> dict[str, Path]:
    from synthetic import load_grid, write_results

    out = {"smoke": DATA / "smoke_results"}
    for name in ("tie_cells",):
        out[name] = write_results(tmp / name, load_grid(f"{name}.json"))
    return out


def main() -> None:
    from peftbench.reports.collect import collect
    from peftbench.reports.leaderboard import of_folder, render
    from peftbench.reports.report import render as report
    from peftbench.results.folder import read_folder

    with tempfile.TemporaryDirectory() as tmp:
        for name, root in folders(Path(tmp)).items():
            target = DATA / "golden" / name
            target.mkdir(parents=True, exist_ok=True)
            board = of_folder(read_folder(root))
            (target / "leaderboard.json").write_text(json.dumps(board, indent=1, sort_keys=True))
            (target / "leaderboard.txt").write_text(render(board) + "\n")
            data = collect(root)
            for fmt in ("md", "latex", "csv"):
                for suffix, text in report(data, fmt).items():
                    (target / f"report{suffix}").write_text(text)
            print(f"wrote {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
