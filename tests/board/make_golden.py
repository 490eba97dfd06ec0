"""How tests/data/board/golden/ was made: the boards and tables of two results folders.

First written by the code before the board stage (commit ba7c8a6), so the board stage could be
shown to change no number. Rewritten on purpose for leaderboard schema 2 (issue 22): Wilson / t
score intervals instead of the percentile bootstrap (no zero width at 0 %), the seed-level t term
instead of resampling 2 seeds, the confidence set for the best and simultaneous rank intervals
instead of best/tie marks, no best mark where nothing beats `frozen`, slowdown over latency runs
and the median training memory. Schema 3 changed only `schema_version` in these files (a
failure now names its model; neither folder has one). Rerun it only when numbers change on
purpose, and say why in the commit message:

    PYTHONPATH=src:tests/reports python tests/board/make_golden.py
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
    from peftbench.board.build import of_folder
    from peftbench.board.serialise import to_json
    from peftbench.reports.collect import collect
    from peftbench.reports.leaderboard import render
    from peftbench.reports.report import render as report
    from peftbench.results.folder import read_folder

    with tempfile.TemporaryDirectory() as tmp:
        for name, root in folders(Path(tmp)).items():
            target = DATA / "golden" / name
            target.mkdir(parents=True, exist_ok=True)
            board = of_folder(read_folder(root))
            board_json = to_json(board)
            (target / "leaderboard.json").write_text(
                json.dumps(board_json, indent=1, sort_keys=True)
            )
            (target / "leaderboard.txt").write_text(render(board) + "\n")
            data = collect(root)
            for fmt in ("md", "latex", "csv"):
                for suffix, text in report(data, fmt).items():
                    (target / f"report{suffix}").write_text(text)
            print(f"wrote {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
