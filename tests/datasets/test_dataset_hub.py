"""Where hub datasets come from: local files first, then the hub (faked here: tests never touch the
network), and one clear error naming both when neither has the data."""

from __future__ import annotations

import json
import sys
import types
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fixture_rows import ROWS, write_split

from peftbench.config.schema import (
    EvaluationSettings,
    MeasurementSettings,
    ModelOptions,
    RunSpec,
    TrainingSettings,
)
from peftbench.datasets import DATASETS, Example, LoadContext
from peftbench.datasets.hub import local_paths, shuffled
from peftbench.datasets.hub_table import entries as hub_entries
from peftbench.errors import UserError
from peftbench.pipeline import load_examples

BAD_ROWS = json.loads((Path(__file__).parents[1] / "data/tables/bad_hub_rows.json").read_text())


def fake_hub(monkeypatch: pytest.MonkeyPatch, load_dataset: Any) -> list[tuple[Any, ...]]:
    """Replace the `datasets` package by one whose `load_dataset` is `load_dataset`."""
    calls: list[tuple[Any, ...]] = []

    def recording(*args: Any, **kwargs: Any) -> Any:
        calls.append((*args, tuple(sorted(kwargs.items()))))
        return load_dataset(*args, **kwargs)

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=recording))
    return calls


def unreachable(*args: Any, **kwargs: Any) -> Any:
    raise ConnectionError("Couldn't reach 'nyu-mll/glue' on the Hub (LocalEntryNotFoundError)")


def test_missing_dataset_names_hub_id_and_local_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_hub(monkeypatch, unreachable)
    ctx = LoadContext(cache_dir=tmp_path / "cache", data_dir=tmp_path / "data")
    with pytest.raises(UserError) as err:
        DATASETS.get("mnli").load("validation_mismatched", ctx)
    message = str(err.value)
    assert "nyu-mll/glue (mnli) @ bcdcba79d07b" in message
    assert "Couldn't reach" in message
    for path in local_paths(tmp_path / "data", "mnli", "validation_mismatched"):
        assert str(path) in message
    assert "--data-dir" in err.value.hint


def test_missing_dataset_without_data_dir_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_hub(monkeypatch, unreachable)
    with pytest.raises(UserError, match=r"no --data-dir given.*aps/super_glue \(boolq\)"):
        DATASETS.get("boolq").load("train", LoadContext(cache_dir=tmp_path))


def test_missing_dataset_stops_preparation_before_any_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`peftbench run` prepares every dataset of the suite first (the CLI prints a UserError in
    one paragraph and exits 2), so a missing dataset fails before any training starts."""
    from peftbench.prepare import _prepare
    from peftbench.suite import load_suite

    fake_hub(monkeypatch, unreachable)
    suite = load_suite("paper-mini", ["datasets=[rte]", "methods=[frozen]"])
    with pytest.raises(UserError, match=r"dataset 'rte' split 'train'.*nyu-mll/glue \(rte\)"):
        _prepare(suite, tmp_path)


def test_hub_is_asked_for_id_config_revision_and_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = ROWS["boolq"]["validation"]
    calls = fake_hub(monkeypatch, lambda *a, **k: types.SimpleNamespace(to_list=lambda: rows))
    examples = DATASETS.get("boolq").load("validation", LoadContext(cache_dir=tmp_path))
    assert len(examples) == len(rows)
    revision = hub_entries()["boolq"][1]["revision"]
    assert calls == [("aps/super_glue", "boolq", (("revision", revision), ("split", "validation")))]


def test_local_file_wins_over_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_hub(monkeypatch, unreachable)
    write_split(tmp_path, "rte", "train", ROWS["rte"]["train"], "jsonl")
    ctx = LoadContext(cache_dir=tmp_path, data_dir=tmp_path)
    assert len(DATASETS.get("rte").load("train", ctx)) == len(ROWS["rte"]["train"])
    assert calls == []


def test_rows_in_another_schema_are_a_clear_error(tmp_path: Path) -> None:
    write_split(tmp_path, "sst2", "train", [{"text": "fine", "label": 1}], "jsonl")
    ctx = LoadContext(cache_dir=tmp_path, data_dir=tmp_path)
    with pytest.raises(UserError, match=r"row 0 .*nyu-mll/glue.*'sentence'") as err:
        DATASETS.get("sst2").load("train", ctx)
    assert "label, text" in err.value.hint


@pytest.mark.parametrize("case", BAD_ROWS, ids=[c["id"] for c in BAD_ROWS])
def test_a_field_of_the_wrong_type_is_a_clear_error(case: dict[str, Any], tmp_path: Path) -> None:
    """A row's fields are narrowed where they are read: a wrong type names the row, the schema
    and the type found (never a traceback, never a row read wrongly)."""
    write_split(tmp_path, case["dataset"], case["split"], [case["row"]], "jsonl")
    ctx = LoadContext(cache_dir=tmp_path, data_dir=tmp_path)
    with pytest.raises(UserError, match=r"row 0 does not fit the .* schema") as err:
        DATASETS.get(case["dataset"]).load(case["split"], ctx)
    assert case["error"] in str(err.value)


def test_malformed_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "cola").mkdir()
    (tmp_path / "cola" / "train.jsonl").write_text('{"sentence": "ok", "label": 1}\n{broken\n')
    ctx = LoadContext(cache_dir=tmp_path, data_dir=tmp_path)
    with pytest.raises(UserError, match=r"could not read .*cola/train\.jsonl"):
        DATASETS.get("cola").load("train", ctx)


def test_loading_is_seeded_and_identical_across_formats(tmp_path: Path) -> None:
    rows = [{"sentence": f"sentence {i}", "label": i % 2, "idx": i} for i in range(30)]
    loaded = {}
    for fmt in ("jsonl", "parquet", "csv"):
        root = tmp_path / fmt
        write_split(root, "sst2", "validation", rows, fmt)
        ctx = LoadContext(cache_dir=tmp_path, data_dir=root)
        loaded[fmt] = DATASETS.get("sst2").load("validation", ctx)
    assert loaded["jsonl"] == loaded["parquet"] == loaded["csv"]
    ids = [ex.id for ex in loaded["jsonl"]]
    assert sorted(ids) == sorted(f"validation-{i}" for i in range(30))
    assert ids != sorted(ids, key=lambda s: int(s.split("-")[1]))  # shuffled, not file order


def test_grouped_shuffle_keeps_questions_together() -> None:
    examples = [Example(f"e{i}", "p", "a", (f"q{i // 3}", True)) for i in range(30)]
    out = shuffled(examples, lambda ex: ex.gold[0])
    assert sorted(out, key=lambda ex: int(ex.id[1:])) == examples
    questions = [ex.gold[0] for ex in out]
    runs = [q for i, q in enumerate(questions) if i == 0 or questions[i - 1] != q]
    assert len(runs) == 10  # each question's options are contiguous
    assert runs != sorted(runs, key=lambda q: int(q[1:]))


def _run_spec(dataset: str, train_cap: int | None, eval_cap: int | None) -> RunSpec:
    return RunSpec(
        model="tiny-llama",
        method="frozen",
        dataset=dataset,
        seed=1,
        method_params={},
        training=TrainingSettings(max_train_examples=train_cap),
        evaluation=EvaluationSettings(max_eval_examples=eval_cap),
        measurement=MeasurementSettings(),
        model_options=ModelOptions(),
    )


def test_dataset_and_suite_caps_the_smaller_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [{"sentence": f"s {i}", "label": i % 2, "idx": i} for i in range(10)]
    for split in ("train", "validation"):
        write_split(tmp_path, "sst2", split, rows, "jsonl")
    ctx = LoadContext(cache_dir=tmp_path, data_dir=tmp_path)
    capped = replace(DATASETS.get("sst2"), max_train_examples=6, max_eval_examples=None)
    monkeypatch.setitem(DATASETS._entries, "sst2", capped)
    train, evals = load_examples(_run_spec("sst2", None, None), ctx)
    assert (len(train), len(evals)) == (6, 10)
    train, evals = load_examples(_run_spec("sst2", 4, 3), ctx)
    assert (len(train), len(evals)) == (4, 3)
    train, _ = load_examples(_run_spec("sst2", 8, None), ctx)
    assert len(train) == 6


def test_csv_cells_hold_nested_fields_as_json(tmp_path: Path) -> None:
    write_split(tmp_path, "record", "validation", ROWS["record"]["validation"], "csv")
    text = (tmp_path / "record" / "validation.csv").read_text()
    assert json.dumps(["Alice Smith", "Smith"]).replace('"', '""') in text
    ctx = LoadContext(cache_dir=tmp_path, data_dir=tmp_path)
    golds = sorted(ex.gold for ex in DATASETS.get("record").load("validation", ctx))
    assert golds == [["Alice Smith", "Smith"], ["Paris"]]
