"""Do two runs of the same suite agree? Scores, predictions, orders, ties and PSCP rank intervals.

For `make bench` run twice (e.g. results/default and a second `peftbench run default --out
results/default-2`): builds both leaderboards with the one builder and prints, per method, the
score, PSCP, tie marks and rank intervals side by side; whether every cell's predictions are
byte-identical; and the PEFT orders by score, pscp and pscp_paper. Scores must be identical (the
runs are deterministic); PSCP carries measured latency, so its order may differ only inside
overlapping rank intervals. Exits 1 when scores or predictions differ.

    python benchmarks/rerun_agreement.py results/default results/default-2
"""

from __future__ import annotations

import filecmp
import sys
from pathlib import Path
from typing import Any


def order(board: dict[str, Any], key: str) -> list[str]:
    rows = [r for r in board["rows"] if not r["baseline"]]
    return [r["method"] for r in sorted(rows, key=lambda r: (-(r[key] or 0.0), r["method"]))]


def main(first: str, second: str) -> int:
    from peftbench.board.build import of_folder
    from peftbench.board.serialise import to_json
    from peftbench.results.folder import read_folder

    # the boards as leaderboard.json holds them (docs/leaderboard.schema.json)
    a = to_json(of_folder(read_folder(Path(first))))
    b = to_json(of_folder(read_folder(Path(second))))
    rows_a = {(r["model"], r["method"]): r for r in a["rows"]}
    rows_b = {(r["model"], r["method"]): r for r in b["rows"]}
    same_scores = rows_a.keys() == rows_b.keys() and all(
        rows_a[k]["score"] == rows_b[k]["score"] for k in rows_a
    )
    for key, x in rows_a.items():
        y = rows_b.get(key, {})
        print(
            f"{key[1]:16s} score {x['score']:.2f} / {y.get('score', float('nan')):.2f}  "
            f"pscp {x['pscp'] or 0:.3f} / {y.get('pscp') or 0:.3f}  "
            f"tie {x.get('pscp_tie')} / {y.get('pscp_tie')}  "
            f"rank {x.get('pscp_rank')} / {y.get('pscp_rank')}"
        )
    runs = sorted(p for p in Path(first, "runs").iterdir() if p.is_dir())
    identical = sum(
        filecmp.cmp(
            p / "predictions.jsonl",
            Path(second, "runs", p.name, "predictions.jsonl"),
            shallow=False,
        )
        for p in runs
        if Path(second, "runs", p.name, "predictions.jsonl").is_file()
        and (p / "predictions.jsonl").is_file()
    )
    print(f"byte-identical predictions: {identical} of {len(runs)} cells")
    for key in ("score", "pscp", "pscp_paper"):
        print(f"{key} order: {order(a, key)} / {order(b, key)}")
    print(f"scores identical: {same_scores}")
    return 0 if same_scores and identical == len(runs) else 1


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:3]))
