"""`records.jsonl`: a results folder's records as one flat JSON line per run, for data tools.

A record is five JSON files in its run folder (results/record.py); a data frame wants one row
per run with the same columns on every row. This is that row, made from the typed record (never
from the files again), written next to leaderboard.json whenever the board is (so the two
agree), and loadable in one line each (docs/results-as-data.md):

    pd.read_json("results/default/records.jsonl", lines=True)
    load_dataset("json", data_files="results/default/records.jsonl", split="train")

Every line has every column (None where a record lacks the figure: a failed run has no score,
an imported run no latency), so Arrow infers one type per column. The typed figures only: the
untyped rest of a record (latency samples, memory detail, the resolved settings) stays in its
files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from peftbench.json_types import JSONObject, JSONValue
from peftbench.results.atomic import write_jsonl
from peftbench.results.checks import is_number
from peftbench.results.record import Efficiency, RunRecord

RECORDS_FILE = "records.jsonl"
_EFF = (*Efficiency.REQUIRED, *Efficiency.OPTIONAL, "device", "device_name", "memory_kind")
_COUNTS = ("trainable_params", "total_params", "base_params", "flops_tokens", "adapter_bytes")
_TEXT = ("device", "device_name", "memory_kind")


def record_row(r: RunRecord) -> JSONObject:
    """The run as one flat row (see the module docstring)."""
    m, eff, st = r.metrics, r.efficiency, r.status
    row: JSONObject = {
        "run_id": r.run_id,
        "state": r.state,
        "source": r.source if r.config else None,
        "model": r.model if r.config else None,
        "method": r.method if r.config else None,
        "dataset": r.dataset if r.config else None,
        "seed": r.seed if r.config else None,
        "metric": m.metric if m else None,
        "score": _float(m.score) if m and r.ok else None,
        "eval_examples": m.eval_examples if m else None,
        "invalid_rate": _float(m.invalid_rate) if m else None,
        "started": _float(st.started) if st else None,
        "wall_seconds": _float(st.wall_seconds) if st else None,
        "error": r.error,
        "damage": f"{r.damage.file}: {r.damage.reason}" if r.damage else None,
    }
    for key in _EFF:
        row[key] = _typed(key, eff.get(key) if eff and r.ok else None)
    return row


def _typed(key: str, value: JSONValue) -> JSONValue:
    """One type per column: counts as int, text as str, every other figure as float."""
    if value is None:
        return None
    if key in _TEXT:
        return str(value)
    assert is_number(value), f"{key}: {value!r}"  # a typed figure of `Efficiency`
    return int(value) if key in _COUNTS else float(value)


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def write_records(root: Path, records: Sequence[RunRecord]) -> Path:
    """Write `records.jsonl` into the results folder `root` (atomically), in run-id order."""
    path = Path(root) / RECORDS_FILE
    write_jsonl(path, [record_row(r) for r in sorted(records, key=lambda r: r.run_id)])
    return path
