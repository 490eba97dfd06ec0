"""records.jsonl: one flat row per run, the same columns on every row, one type per column,
None (never 0) where a run lacks a figure."""

from __future__ import annotations

import json
from pathlib import Path

from peftbench.results.as_data import RECORDS_FILE, record_row, write_records
from peftbench.results.folder import read_folder

V1 = Path(__file__).resolve().parents[1] / "data" / "records" / "v1"


def test_every_row_has_every_column_and_a_failed_run_no_figures(tmp_path: Path) -> None:
    folder = read_folder(V1)
    write_records(tmp_path, folder.records)
    rows = [json.loads(line) for line in (tmp_path / RECORDS_FILE).read_text().splitlines()]
    assert len(rows) == len(folder.records)
    assert len({tuple(r) for r in rows}) == 1  # the same columns, in the same order
    for column in rows[0]:
        kinds = {type(r[column]).__name__ for r in rows if r[column] is not None}
        assert len(kinds) <= 1, (column, kinds)
    (failed,) = [r for r in rows if r["state"] == "failed"]
    assert failed["error"] and failed["score"] is None and failed["trainable_params"] is None
    by_id = {r.run_id: r for r in folder.records}
    for row in rows:
        if row["state"] == "ok":
            rec = by_id[row["run_id"]]
            assert row["score"] == rec.score and row["method"] == rec.method
            assert row["latency_ms_per_token"] == rec.eff.latency_ms_per_token


def test_a_row_is_made_from_the_typed_record() -> None:
    rec = read_folder(V1).ok[0]
    row = record_row(rec)
    assert row["source"] == "peftbench" and row["peak_train_mem_mb"] == rec.eff.peak_train_mem_mb
