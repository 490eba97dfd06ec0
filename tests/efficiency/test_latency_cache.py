"""The latency store's reuse rules on hand-made entries (efficiency/latency_cache.py); the
pipeline tests (tests/test_pipeline.py) drive the same rules through real cells."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from peftbench.efficiency.latency_cache import LatencyCache, paired_run_from_json

RUN = paired_run_from_json(
    json.loads((Path(__file__).parents[1] / "data/latency_cache/paired_run.json").read_text())
)
FORMS = ["base", "adapted"]
STRUCTURE = {"model": "tiny", "method": "lora", "r": 8}


def _cache(folder: Path, run_id: str) -> LatencyCache:
    return LatencyCache(folder, STRUCTURE, run_id)


def _measured_by(folder: Path, *run_ids: str, part: str = "forms") -> None:
    for run_id in run_ids:
        _cache(folder, run_id).put(FORMS, part, RUN)


def test_a_copy_under_another_name_is_not_a_second_run(tmp_path: Path) -> None:
    _measured_by(tmp_path, "a")
    (entry,) = tmp_path.iterdir()
    shutil.copy(entry, entry.with_name(entry.name.split(".")[0] + ".ffffffffff.json"))
    assert list(_cache(tmp_path, "c").stored(FORMS, "forms")) == ["a"]
    assert _cache(tmp_path, "c").get([(FORMS, "forms")]) is None  # one run: c times its own


@pytest.mark.parametrize("by", ["run\x1b[2Jx", "a/../b", "", "x" * 300])
def test_a_measurer_that_is_no_run_id_is_refused(tmp_path: Path, by: str) -> None:
    _measured_by(tmp_path, by)
    assert _cache(tmp_path, "c").stored(FORMS, "forms") == {}


def test_a_measuring_cell_gets_its_own_run_back(tmp_path: Path) -> None:
    _measured_by(tmp_path, "a", "b", "c")
    for run_id in ("a", "b", "c"):
        hit = _cache(tmp_path, run_id).get([(FORMS, "forms")])
        assert hit is not None and hit[1] == run_id


def test_every_part_comes_from_one_measurer(tmp_path: Path) -> None:
    """Two measured both parts, a third only the first: a copy takes both parts from one of
    the two; with a single cell holding both, nothing is copied."""
    _measured_by(tmp_path, "a", "b", "c")
    _measured_by(tmp_path, "a", "b", part="second")
    parts = [(FORMS, "forms"), (FORMS, "second")]
    for run_id in ("d", "e", "f", "g"):
        hit = _cache(tmp_path, run_id).get(parts)
        assert hit is not None and hit[1] in ("a", "b") and set(hit[0]) == {"forms", "second"}
    for entry in tmp_path.glob("*.json"):
        if json.loads(entry.read_text())["measured_by"] == "a":
            entry.unlink()
    assert _cache(tmp_path, "d").get(parts) is None


def test_entries_that_are_no_files_are_skipped_and_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder, a FIFO, links (out of the folder and to a good entry), a sparse 2 GiB file and
    junk under this structure's key: none is read as a run, none blocks, one line says so."""
    import os

    _measured_by(tmp_path, "a")
    (entry,) = tmp_path.iterdir()
    key = entry.name.split(".")[0]
    (tmp_path / f"{key}.dir.json").mkdir()
    os.mkfifo(tmp_path / f"{key}.fifo.json")
    (tmp_path / f"{key}.passwd.json").symlink_to("/etc/passwd")
    (tmp_path / f"{key}.link.json").symlink_to(entry.name)
    with open(tmp_path / f"{key}.sparse.json", "wb") as big:
        big.truncate(2 * 2**30)
    (tmp_path / f"{key}.junk.json").write_text("{not json", encoding="utf-8")
    assert list(_cache(tmp_path, "c").stored(FORMS, "forms")) == ["a"]
    assert "6 stored run(s) of this structure not reused (not a readable" in capsys.readouterr().out
