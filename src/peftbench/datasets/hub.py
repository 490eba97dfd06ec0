"""Rows by HF hub id + config + pinned revision, or from local files with the same schema.

Local files come first: `<data_dir>/<dataset name>/<split>.parquet|jsonl|csv` (the first that
exists), so `peftbench run --data-dir DIR` works with no network. Otherwise the split is loaded
with `datasets.load_dataset(hub_id, config, revision=..., split=...)`. When neither works, one
`UserError` names the hub id and every local path that was looked for.

A local file holds the hub's rows unchanged (e.g. written by `load_dataset(...).to_json(path)`),
with one exception: CSV cannot nest, so list and mapping fields are JSON text in a CSV cell
(`seq` and `mapping` below read both forms).

Every split is shuffled with a fixed seed after loading, whatever the source, so that a capped
run (`max_eval_examples: 200`) scores a random sample rather than the first rows of a sorted
file (MMLU is sorted by subject, APPS by difficulty). Options of one question can stay together
(`group`), so that per-question scores such as MultiRC's exact match stay meaningful under a cap.
"""

from __future__ import annotations

import json
import math
import operator
import random
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import SupportsFloat, SupportsIndex, SupportsInt

from peftbench.datasets.base import DatasetSpec, Example, LoadContext, LoadFn, ParseFn, Row
from peftbench.datasets.splits import SPLIT_SEED
from peftbench.errors import UserError

LOCAL_FORMATS = ("parquet", "jsonl", "csv")

RowFn = Callable[[str, int, Row], Example | None]  # (split, row index, row)


@dataclass(frozen=True)
class HubSource:
    """Where a dataset lives on the HF hub, pinned to a commit wherever one could be found.

    `revision`: a 40-hex commit id (pinned), or a branch name (unpinned: its content can change).
    `files`: split -> data file in the repository at that commit, for repositories whose main
    branch still holds a loading script (`datasets` >= 4 cannot run one, even at a commit that
    also has data files): the file is read directly by the parquet/json builder. Without `files`,
    `datasets.load_dataset(hub_id, config, revision=...)` reads the repository's own layout.
    `why_unpinned`: for a branch revision, why no commit could be pinned (shown in listings).
    """

    hub_id: str
    config: str | None = None
    revision: str = "main"
    files: Mapping[str, str] | None = None
    why_unpinned: str = ""

    @property
    def pinned(self) -> bool:
        return len(self.revision) == 40 and all(c in "0123456789abcdef" for c in self.revision)

    @property
    def pin(self) -> str:
        """For listings: the commit (12 characters), or UNPINNED with the branch."""
        return f"commit {self.revision[:12]}" if self.pinned else f"UNPINNED ({self.revision})"

    def describe(self) -> str:
        """Short form for listings: a commit id is cut to 12 characters (`version` has it all)."""
        config = f" ({self.config})" if self.config else ""
        revision = self.revision[:12] if self.pinned else self.revision
        return f"HF hub {self.hub_id}{config} @ {revision}"

    @property
    def version(self) -> str:
        config = f"/{self.config}" if self.config else ""
        return f"{self.hub_id}{config}@{self.revision}"

    def load(self, split: str) -> list[dict[str, object]]:
        """The split's rows from the hub (network)."""
        from datasets import load_dataset

        if self.files is None:
            data = load_dataset(self.hub_id, self.config, revision=self.revision, split=split)
            return data.to_list()
        if split not in self.files:
            raise ValueError(f"no file for split '{split}' (known: {', '.join(self.files)})")
        path = self.files[split]
        builder = "parquet" if path.endswith(".parquet") else "json"
        url = f"hf://datasets/{self.hub_id}@{self.revision}/{path}"
        return load_dataset(builder, data_files={split: url}, split=split).to_list()


TEXT_PEEK = 64 * 1024  # bytes read at each end of a text data file before it is parsed


def local_paths(data_dir: Path, name: str, split: str) -> list[Path]:
    return [data_dir / name / f"{split}.{ext}" for ext in LOCAL_FORMATS]


def _check_text(path: Path) -> None:
    """A .jsonl or .csv file is text: a NUL byte at its start or end means it is not (a sparse
    file of 8 GB of holes took a dry run minutes to read before it failed)."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(TEXT_PEEK)
        fh.seek(max(0, size - TEXT_PEEK))
        tail = fh.read(TEXT_PEEK)
    if b"\0" in head or b"\0" in tail:
        raise UserError(
            f"could not read {path}: it holds NUL bytes, so it is not a {path.suffix} text file "
            "(a binary file, or a sparse one with holes)",
            "give the dataset's rows as UTF-8 text (or a .parquet file)",
        )


def read_local(path: Path) -> list[dict[str, object]]:
    """Rows of one local split file (parquet, jsonl or csv)."""
    if path.suffix != ".parquet" and path.is_file():
        _check_text(path)
    try:
        if path.suffix == ".jsonl":
            return _read_jsonl(path)
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            return pq.read_table(path).to_pylist()
        import pandas as pd

        frame = pd.read_csv(path, keep_default_na=False)
        return frame.to_dict(orient="records")
    except (ValueError, OSError) as exc:  # JSONDecodeError is a ValueError
        raise UserError(
            f"could not read {path}: {exc}",
            "the file must hold the dataset's rows in the HF hub schema (one JSON object per "
            "line for .jsonl)",
        ) from exc


def _read_jsonl(path: Path) -> list[dict[str, object]]:
    """One JSON object per line; a bad line is named by its line number in the file."""
    rows: list[dict[str, object]] = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UserError(
                    f"could not read {path}: line {number} is not valid JSON ({exc.msg}, "
                    f"column {exc.colno})",
                    "a .jsonl file holds one JSON object per line, in the HF hub schema",
                ) from None
            except RecursionError:
                raise UserError(
                    f"could not read {path}: line {number} is nested too deeply to be a row",
                    "a .jsonl file holds one JSON object per line, in the HF hub schema",
                ) from None
            if not isinstance(row, dict):
                raise UserError(
                    f"could not read {path}: line {number} is a JSON {type(row).__name__}, "
                    "not an object",
                    "a .jsonl file holds one JSON object per line, in the HF hub schema",
                )
            rows.append(row)
    return rows


def load_rows(
    name: str, source: HubSource, split: str, ctx: LoadContext
) -> list[dict[str, object]]:
    """The rows of `split`: from `ctx.data_dir` when a file is there, else from the hub."""
    looked: list[Path] = []
    if ctx.data_dir is not None:
        looked = local_paths(Path(ctx.data_dir), name, split)
        for path in looked:
            if path.is_file():
                return read_local(path)
            if path.exists():
                raise UserError(
                    f"dataset '{name}' split '{split}': {path} is a folder, not a file",
                    "put the split's rows in that file (remove or rename the folder)",
                )
    try:
        return source.load(split)
    except Exception as exc:  # network, missing repo/config/split, unsupported script, ...
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        where = (
            f"no local file ({', '.join(str(p) for p in looked)})"
            if looked
            else "no --data-dir given"
        )
        raise UserError(
            f"dataset '{name}' split '{split}': {where}, and {source.describe()} could not be "
            f"loaded: {reason}",
            f"make the HF hub reachable, or put the split in the hub's schema at "
            f"<data-dir>/{name}/{split}.jsonl (or .parquet/.csv) and pass --data-dir",
        ) from exc


def shuffled(examples: list[Example], group: Callable[[Example], Hashable] | None) -> list[Example]:
    """A seeded shuffle; with `group`, whole groups move together and keep their inner order."""
    rng = random.Random(SPLIT_SEED)
    if group is None:
        out = list(examples)
        rng.shuffle(out)
        return out
    groups: dict[Hashable, list[Example]] = {}
    for ex in examples:
        groups.setdefault(group(ex), []).append(ex)
    keys = list(groups)
    rng.shuffle(keys)
    return [ex for key in keys for ex in groups[key]]


def make_loader(
    name: str,
    source: HubSource,
    build: RowFn,
    group: Callable[[Example], Hashable] | None = None,
) -> LoadFn:
    """`load(split, ctx)`: rows -> `build` (None skips a row, e.g. an unlabelled one) -> shuffle."""

    def load(split: str, ctx: LoadContext) -> list[Example]:
        rows = load_rows(name, source, split, ctx)
        out = []
        for i, row in enumerate(rows):
            try:
                ex = build(split, i, row)
            except (KeyError, TypeError, ValueError, IndexError) as exc:
                raise UserError(
                    f"dataset '{name}' split '{split}' row {i} does not fit the "
                    f"{source.hub_id} schema: {type(exc).__name__}: {exc}",
                    f"fields in that row: {', '.join(sorted(map(str, row)))}",
                ) from exc
            if ex is not None:
                out.append(ex)
        return shuffled(out, group)

    return load


def hub_spec(
    *,
    name: str,
    source: HubSource,
    build: RowFn,
    parse: ParseFn,
    group: str,
    description: str,
    metric: str,
    splits: tuple[str, str] = ("train", "validation"),
    prompt_version: str = "p1",
    notes: str = "",
    example_group: Callable[[Example], Hashable] | None = None,
    extra_metrics: tuple[str, ...] = (),
    labels: tuple[str, ...] = (),
) -> DatasetSpec:
    """A `DatasetSpec` whose data comes from `source` (or the same schema in local files)."""
    where = f"{source.describe()}, or <data-dir>/{name}/<split>.*"
    return DatasetSpec(
        name=name,
        group=group,
        description=description,
        source=where,
        load=make_loader(name, source, build, example_group),
        parse=parse,
        metric=metric,
        splits=splits,
        version=f"{source.version} {prompt_version}",
        pin=source.pin + (f": {source.why_unpinned}" if source.why_unpinned else ""),
        notes=notes,
        extra_metrics=extra_metrics,
        labels=labels,
    )


def seq(value: object) -> list[object]:
    """A list field: as loaded, or JSON text (from a CSV cell)."""
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def mapping(value: object) -> dict[str, object]:
    """A mapping field: as loaded, or JSON text (from a CSV cell)."""
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, dict):
        raise TypeError(f"expected a mapping, got {type(value).__name__}")
    return value


def _boolean(value: object) -> bool:
    """JSON's true/false (or a numpy bool): an int to Python, but no label index or score."""
    return isinstance(value, bool) or getattr(getattr(value, "dtype", None), "kind", "") == "b"


def integer(value: object) -> int:
    """An integer field (a label index, a position): a whole number (1.0 from a float column
    too), or its text (from a CSV cell). True and 1.7 are refused: int() made both label 1."""
    if isinstance(value, str | bytes):
        return int(value)
    if _boolean(value):
        raise TypeError(f"expected an integer, got a boolean ({value!r})")
    if isinstance(value, SupportsIndex):
        return operator.index(value)
    if isinstance(value, SupportsFloat) and float(value).is_integer():
        return int(float(value))
    if isinstance(value, SupportsFloat | SupportsInt):
        raise TypeError(f"expected an integer, got {value!r}")
    raise TypeError(f"expected an integer, got {type(value).__name__}")


def real(value: object) -> float:
    """A finite number field (a score, an answer): a number, or its text (from a CSV cell)."""
    if _boolean(value):
        raise TypeError(f"expected a number, got a boolean ({value!r})")
    if not isinstance(value, str | bytes | SupportsFloat | SupportsIndex):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:  # an int of 400 digits: float() raised, uncaught
        too_big = f"expected a number, got one beyond a float ({str(value)[:20]}...)"
        raise ValueError(too_big) from None
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got {value!r}")
    return number
