"""The hub-dataset table (datasets/hub_datasets.toml): every entry is registered as the table
says, names metrics that exist, loads its fixture rows (tests/data/<name>/), and a bad entry is
refused with a message that names it. No count of entries is frozen here."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from fixture_rows import ROWS

from peftbench.datasets import DATASETS, LoadContext
from peftbench.datasets.apps import SPLITS as APPS_SPLITS
from peftbench.datasets.hub_table import entries, spec_of
from peftbench.metrics import METRICS

ENTRIES = entries()
BAD = tomllib.loads(
    (Path(__file__).parents[1] / "data" / "tables" / "bad_dataset_entries.toml").read_text()
)


def test_the_table_is_every_hub_dataset() -> None:
    """One home: a hub dataset is an entry of the table, and every entry is a hub dataset with
    fixture rows."""
    hub = {d.name for d in DATASETS if d.source.startswith("HF hub")}
    assert ENTRIES and set(ENTRIES) == hub == set(ROWS)


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_entry_is_registered_as_the_table_says(name: str, ctx: LoadContext) -> None:
    group, entry = ENTRIES[name]
    spec = DATASETS.get(name)
    assert spec.group == group and spec.description == entry["description"]
    assert spec.metric == entry["metric"] and spec.metric in METRICS
    assert all(m in METRICS for m in spec.extra_metrics)
    assert spec.labels == tuple(entry.get("labels", ()))
    assert entry["hub"] in spec.source and entry["revision"] in spec.version
    train, evaluated = (spec.load(split, ctx) for split in spec.splits)
    assert train and evaluated  # the fixture rows load through the table's row function
    assert all(spec.parse(ex.answer) is not None for ex in evaluated)


def test_apps_row_function_knows_its_eval_split() -> None:
    assert tuple(ENTRIES["apps"][1]["splits"]) == APPS_SPLITS


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_entry_is_refused_with_its_name(case: str) -> None:
    bad: dict[str, Any] = BAD[case]
    with pytest.raises(ValueError) as info:
        spec_of(case, "superglue", bad["entry"])
    assert bad["error"] in str(info.value)
    assert f"[superglue.{case}]" in str(info.value)
