"""The typed run record: old records read, every part round-trips, every damage is named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from record_util import OK_RUN, V1

from peftbench.results.record import (
    SCHEMA_VERSION,
    Efficiency,
    Metrics,
    Provenance,
    RunConfig,
    Status,
    read_run,
)

PARTS = (Status, RunConfig, Metrics, Efficiency, Provenance)


def _raw(folder: Path, name: str) -> dict:
    return json.loads((folder / name).read_text())


def test_records_written_before_the_schema_read_as_version_1() -> None:
    records = {d.name: read_run(d) for d in sorted((V1 / "runs").iterdir())}
    states = sorted((r.method, r.dataset, r.state) for r in records.values())
    assert states == [
        ("frozen", "toy-addition", "ok"),
        ("frozen", "toy-sentiment", "ok"),
        ("lora", "toy-addition", "ok"),
        ("lora", "toy-sentiment", "failed"),
        ("lora", "toy-sentiment", "ok"),
    ]
    for rec in records.values():
        assert rec.damage is None and rec.status is not None
        assert rec.status.schema_version == 1
        raw = _raw(rec.folder, "status.json")
        assert rec.status.status == raw["status"] and rec.run_id == raw["run_id"]
        if not rec.ok:
            assert "positive integer" in (rec.error or "")
            continue
        # the typed fields hold exactly what the old files say
        metrics, eff = _raw(rec.folder, "metrics.json"), _raw(rec.folder, "efficiency.json")
        assert rec.score == metrics["score"] and rec.metrics.metric == metrics["metric"]
        assert rec.metrics.values[metrics["metric"]] == metrics["score"]
        for key in Efficiency.REQUIRED:
            assert rec.eff.get(key) == eff[key]
        assert rec.eff.get("latency_samples_ms") == eff["latency_samples_ms"]
        assert rec.config.settings["training"] == _raw(rec.folder, "config.json")["training"]


@pytest.mark.parametrize("part", PARTS, ids=lambda p: p.FILE)
def test_every_part_round_trips_the_old_file(part: type) -> None:
    raw = _raw(OK_RUN, part.FILE)
    again = part.from_json(raw).to_json()
    if part is Status:
        assert again.pop("schema_version") == 1  # read as version 1 and kept so
    assert again == raw


DATA = Path(__file__).parents[1] / "data"
FIXTURE_RUNS = sorted(p.parent for p in DATA.rglob("status.json") if p.parent.parent.name == "runs")


@pytest.mark.parametrize("folder", FIXTURE_RUNS, ids=lambda p: str(p.relative_to(DATA)))
def test_every_checked_in_record_reads_back_to_its_files(folder: Path) -> None:
    """Records written by earlier versions (v1 without `schema_version`, v2 before typed
    efficiency groups and provenance) read into the typed parts and back to the same JSON:
    nothing is dropped, renamed or retyped on the way."""
    rec = read_run(folder)
    parts = [rec.status, rec.config, rec.metrics, rec.efficiency, rec.provenance, rec.stability]
    checked = 0
    for part in parts:
        if part is None or not (folder / part.FILE).exists():
            continue
        raw, again = _raw(folder, part.FILE), part.to_json()
        if part is rec.status and "schema_version" not in raw:
            assert again.pop("schema_version") == 1
        assert again == raw, part.FILE
        checked += 1
    assert checked >= 2  # status and config, at least
    if rec.efficiency is not None:  # the typed groups hold the figures the file has
        eff = _raw(folder, Efficiency.FILE)
        assert all(rec.eff.get(k) == v for k, v in eff.items())
        adapted = rec.eff.measured.adapted
        if "base_latency_samples_ms" in eff:
            assert adapted is not None and adapted.base is not None
            assert adapted.base.latency_samples_ms == eff["base_latency_samples_ms"]


def test_a_new_status_carries_the_schema_version() -> None:
    data = Status(status="ok", run_id="r", score=1.0).to_json()
    assert data["schema_version"] == SCHEMA_VERSION
    assert Status.from_json(data).schema_version == SCHEMA_VERSION


def _truncate(text: str) -> str:
    return text[: len(text) // 2]


def _missing_figure(text: str) -> str:
    data = json.loads(text)
    for key in ("score", "trainable_params", "status", "model"):
        data.pop(key, None)
    return json.dumps(data)


def _wrong_type(text: str) -> str:
    data = json.loads(text)
    for key in ("score", "latency_ms_per_token", "seed", "status"):
        if key in data:
            data[key] = "garbage"
    return json.dumps(data)


DAMAGE = {
    "truncated": (_truncate, "not valid JSON"),
    "empty": (lambda _: "", "empty"),
    "whitespace": (lambda _: "\n  \n", "empty"),
    "not an object": (lambda _: "[1, 2]", "JSON object"),
    "not utf-8": (lambda _: "\udcff", "UTF-8"),
    "figure missing": (_missing_figure, "should be"),
    "figure of the wrong type": (_wrong_type, "should be"),
}
FILES = ("status.json", "config.json", "metrics.json", "efficiency.json", "provenance.json")


def _damage(folder: Path, name: str, kind: str) -> None:
    change, _ = DAMAGE[kind]
    text = change((folder / name).read_text())
    (folder / name).write_bytes(text.encode("utf-8", "surrogateescape"))


@pytest.mark.parametrize("kind", DAMAGE)
@pytest.mark.parametrize("name", FILES)
def test_every_damage_is_named_not_raised(tmp_path: Path, name: str, kind: str) -> None:
    folder = tmp_path / OK_RUN.name
    shutil.copytree(OK_RUN, folder)
    _damage(folder, name, kind)
    rec = read_run(folder)
    if name == "provenance.json" and kind in ("figure missing", "figure of the wrong type"):
        assert rec.ok  # provenance is free-form: only an unreadable file damages it
        return
    assert rec.state == "damaged" and not rec.ok
    assert rec.damage is not None and rec.damage.file == name
    assert DAMAGE[kind][1] in rec.damage.reason
    assert name in (rec.error or "")
    if name != "config.json":  # the cell is still known from a readable config
        assert (rec.method, rec.dataset, rec.seed) == ("lora", "toy-sentiment", 42)


@pytest.mark.parametrize("name", FILES)
def test_a_missing_file_of_an_ok_record_is_damage(tmp_path: Path, name: str) -> None:
    folder = tmp_path / OK_RUN.name
    shutil.copytree(OK_RUN, folder)
    (folder / name).unlink()
    rec = read_run(folder)
    assert rec.state == "damaged" and rec.damage == type(rec.damage)(name, "missing")


def test_a_failed_record_needs_only_status_and_config() -> None:
    failed = next(d for d in (V1 / "runs").iterdir() if read_run(d).state == "failed")
    assert sorted(p.name for p in failed.iterdir()) == ["config.json", "status.json"]


def test_damaged_predictions_give_no_items(tmp_path: Path) -> None:
    from peftbench.results.items import item_sample

    folder = tmp_path / OK_RUN.name
    shutil.copytree(OK_RUN, folder)
    text = (folder / "predictions.jsonl").read_text()
    (folder / "predictions.jsonl").write_text(text[: len(text) // 2 + 7])
    assert item_sample(folder, "accuracy") is None
