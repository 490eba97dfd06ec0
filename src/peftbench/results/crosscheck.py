"""What one file of a record says about another, checked: a record that contradicts itself is
damaged, never shown.

- identity: the folder name is the run id; `config.json` and `status.json` name the same run,
  and the run id's model, dataset, method and seed are the config's. A run id peftbench made
  ends in a digest of the resolved cell (config/schema.py `run_digest`), so a config edited
  after the run (issue 26: frozen's `"method"` changed to `"lora"`) no longer hashes to it;
- files: the adapter and predictions still match the sha256 and size recorded at commit
  (`status.json` `files`; records committed before it carry none and are not checked);
- predictions: `predictions.jsonl` has `eval_examples` rows, every per-item score is finite and
  in its metric's range, their mean is the metric's value in `metrics.json`, and the share of
  unparsed predictions is its `invalid_rate`.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from peftbench.config.schema import run_digest
from peftbench.json_types import JSONObject
from peftbench.results.checks import RecordDamage, is_number, metric_range
from peftbench.results.safe_read import LINES_CAP, Refused, file_digest, read_capped

if TYPE_CHECKING:
    from peftbench.results.record import Metrics, RunConfig, Status

PREDICTIONS = "predictions.jsonl"
# model__dataset__method__s<seed>__<10 hex digits> (config/schema.py RunSpec.run_id)
RUN_ID = re.compile(
    r"^(?P<model>.+)__(?P<dataset>.+?)__(?P<method>.+?)__s(?P<seed>\d+)__(?P<digest>[0-9a-f]{10})$"
)
TOLERANCE = 1e-6  # score points: a mean recomputed from the items agrees to float rounding


def cross_check(folder: Path, status: Status, config: RunConfig, metrics: Metrics | None) -> None:
    """Raise RecordDamage for the first contradiction between the record's files."""
    check_identity(folder.name, status, config)
    check_files(folder, status)
    if metrics is not None:
        check_predictions(folder, metrics)


def check_identity(name: str, status: Status, config: RunConfig) -> None:
    if config.run_id and config.run_id != name:
        raise RecordDamage(
            "config.json", f"names run {config.run_id!r}, but its folder is {name!r}"
        )
    if status.run_id and status.run_id != name:
        raise RecordDamage(
            "status.json", f"names run {status.run_id!r}, but its folder is {name!r}"
        )
    shape = RUN_ID.match(name)
    if shape is None:  # not an id peftbench made (hand-built test records): nothing to compare
        return
    from peftbench.config.schema import id_part

    for key, have, want in (
        ("model", id_part(config.model), shape["model"]),
        ("dataset", config.dataset, shape["dataset"]),
        ("method", id_part(config.method), shape["method"]),
        ("seed", str(config.seed), shape["seed"]),
    ):
        if have != want:
            raise RecordDamage(
                "config.json", f"'{key}' is {have!r}, but the run id {name!r} says {want!r}"
            )

    if run_digest(config.to_json()) != shape["digest"]:
        raise RecordDamage(
            "config.json",
            "does not hash to its run id's digest: the config was changed after the run",
        )


def check_files(folder: Path, status: Status) -> None:
    for rel, recorded in status.files.items():
        try:
            digest, size = file_digest(folder / rel)
        except FileNotFoundError:
            raise RecordDamage(rel, "missing (the run wrote it; it was deleted since)") from None
        except Refused as exc:
            raise RecordDamage(rel, exc.reason) from None
        except OSError as exc:
            raise RecordDamage(rel, f"unreadable ({exc.strerror or exc})") from None
        if size != recorded.bytes:
            raise RecordDamage(
                rel, f"holds {size:,} bytes, {recorded.bytes:,} when the run was committed"
            )
        if digest != recorded.sha256:
            raise RecordDamage(rel, "changed since the run was committed (its sha256 differs)")


def load_predictions(run_dir: Path) -> list[JSONObject] | None:
    """The rows of predictions.jsonl (None: the run has none); RecordDamage when unreadable."""
    path = Path(run_dir) / PREDICTIONS
    try:
        raw = read_capped(path, LINES_CAP)
    except FileNotFoundError:
        return None
    except Refused as exc:
        raise RecordDamage(PREDICTIONS, exc.reason) from None
    except OSError as exc:
        raise RecordDamage(PREDICTIONS, f"unreadable ({exc.strerror or exc})") from None
    rows: list[JSONObject] = []
    for n, line in enumerate(raw.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise RecordDamage(PREDICTIONS, f"line {n} is not a JSON object") from None
        if not isinstance(row, dict) or "id" not in row:
            raise RecordDamage(PREDICTIONS, f"line {n} should be an object with an 'id'")
        scores = row.get("scores") or {}
        if not isinstance(scores, dict) or not all(
            is_number(v) and math.isfinite(v) for v in scores.values()
        ):
            raise RecordDamage(
                PREDICTIONS, f"line {n}: 'scores' should map metrics to finite numbers"
            )
        rows.append(row)
    return rows


def scores_of(row: JSONObject) -> JSONObject:
    """An item's `scores` (metric -> its score on the item; none: {}), as `load_predictions`
    checked them."""
    scores = row.get("scores")
    return scores if isinstance(scores, dict) else {}


def _item_scores(rows: list[JSONObject], metric: str) -> list[float]:
    low, high = metric_range(metric)
    out = []
    for row in rows:
        value = scores_of(row)[metric]
        if not is_number(value) or not math.isfinite(value) or not low <= value <= high:
            raise RecordDamage(
                PREDICTIONS,
                f"item {row['id']!r}: its {metric} score should be a number in "
                f"[{low:g}, {high:g}], found {value!r}"[:200],
            )
        out.append(float(value))
    return out


def check_predictions(folder: Path, metrics: Metrics) -> None:
    rows = load_predictions(folder)
    if rows is None:
        return  # hand-built records have none; a committed run's is listed in status `files`
    if metrics.eval_examples is not None and len(rows) != metrics.eval_examples:
        raise RecordDamage(
            PREDICTIONS, f"holds {len(rows)} items; metrics.json says {metrics.eval_examples}"
        )
    if not rows:
        return
    recorded = {**metrics.values, metrics.metric: metrics.score}
    names = set.intersection(*(set(scores_of(r)) for r in rows))
    for name in sorted(names):
        items = _item_scores(rows, name)
        mean = sum(items) / len(items)
        value = recorded.get(name)
        if is_number(value) and abs(mean - value) > TOLERANCE * max(1.0, abs(mean)):
            raise RecordDamage(
                "metrics.json",
                f"'{name}' is {value!r}, but the {len(items)} items in {PREDICTIONS} average "
                f"{mean!r}",
            )
    if all("parsed" in r for r in rows):
        invalid = sum(r["parsed"] is None for r in rows) / len(rows)
        if abs(invalid - metrics.invalid_rate) > TOLERANCE:
            raise RecordDamage(
                "metrics.json",
                f"'invalid_rate' is {metrics.invalid_rate!r}, but {PREDICTIONS} has "
                f"{invalid!r} of its items unparsed",
            )
