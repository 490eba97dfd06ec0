"""The fixture rows of the hub datasets, as data files in the `--data-dir` layout.

`tests/data/<dataset>/<split>.<jsonl|parquet|csv>` holds a few rows per split, written by us in
each hub dataset's real schema (field names and types as the hub serves them), ASCII only (the
tiny test tokenizer is character-level). They double as examples of the local input format: most
are JSON lines; sst2 and multirc are Parquet, cola and openbookqa CSV (nested fields as JSON
text), so that every reader is exercised.

`ROWS[name][split]` is what the files hold (read back with peftbench's own reader; CSV cells with
JSON lists or mappings decoded); `write_split` writes ad-hoc splits for single tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from peftbench.datasets.hub import LOCAL_FORMATS, read_local

DATA = Path(__file__).parents[1] / "data"


def _split_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lstrip(".") in LOCAL_FORMATS)


def _decoded(value: Any) -> Any:
    """A CSV cell holding a JSON list or mapping, as the list or mapping."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _read(path: Path) -> list[dict[str, Any]]:
    rows = read_local(path)
    if path.suffix == ".csv":
        rows = [{k: _decoded(v) for k, v in row.items()} for row in rows]
    return rows


FILES: dict[str, dict[str, Path]] = {
    folder.name: {p.stem: p for p in _split_files(folder)}
    for folder in sorted(DATA.iterdir())
    if folder.is_dir() and _split_files(folder)
}
ROWS: dict[str, dict[str, list[dict[str, Any]]]] = {
    name: {split: _read(path) for split, path in splits.items()} for name, splits in FILES.items()
}


def write_split(root: Path, name: str, split: str, rows: list[dict[str, Any]], fmt: str) -> Path:
    """Write one split as `<root>/<name>/<split>.<fmt>` (CSV: nested fields as JSON text)."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{split}.{fmt}"
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), path)
    elif fmt == "csv":
        import pandas as pd

        flat = [
            {k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in r.items()}
            for r in rows
        ]
        pd.DataFrame(flat).to_csv(path, index=False)
    else:
        raise ValueError(fmt)
    return path
