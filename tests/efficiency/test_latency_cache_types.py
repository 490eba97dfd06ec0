"""The latency cache reads back what it stored, and reuses no entry whose fields have other
types than a paired run's (a damaged or edited file is timed again, not copied into a record)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peftbench.efficiency.latency import BASE, PairedRun, Samples
from peftbench.efficiency.latency_cache import LatencyCache

FORMS = [BASE, "deployed"]
STRUCTURE: dict[str, object] = {"model": "tiny-llama", "method": "lora", "r": 2}


def _run(seconds: float) -> PairedRun:
    timed = Samples(prefill=[2.0, 2.5], decode=[1.0, 1.25])
    return PairedRun(
        samples={form: timed for form in FORMS},
        pairs=2,
        ended_by="max_pairs",
        seconds=seconds,
        load_start=0.5,
        load_end=None,
        cpu_share=0.9,
        timer="perf_counter",
        prompt_sha="0123456789ab",
        threads=2,
    )


def _stored(folder: Path) -> list[PairedRun]:
    """Two cells' entries of one structure, as the cells of a grid leave them."""
    for cell, seconds in (("cell-a", 3.0), ("cell-b", 4.0)):
        LatencyCache(folder, STRUCTURE, cell).put(FORMS, "latency", _run(seconds))
    return list(LatencyCache(folder, STRUCTURE, "cell-c").stored(FORMS, "latency").values())


def test_a_stored_run_reads_back_equal(tmp_path: Path) -> None:
    assert sorted(_stored(tmp_path), key=lambda r: r.seconds) == [_run(3.0), _run(4.0)]


@pytest.mark.parametrize(
    "edit",
    [
        {"seconds": "slow"},  # these three were reused before the reader checked types
        {"threads": [2]},
        {"ended_by": None},
        {"pairs": 2.5},
        {"unknown": 1},
    ],
)
def test_an_entry_with_a_field_of_another_type_is_not_reused(
    tmp_path: Path, edit: dict[str, object]
) -> None:
    _stored(tmp_path)
    first = sorted(tmp_path.glob("*.json"))[0]
    data = json.loads(first.read_text())
    data["paired_run"].update(edit)
    first.write_text(json.dumps(data))
    kept = LatencyCache(tmp_path, STRUCTURE, "cell-c").stored(FORMS, "latency")
    assert len(kept) == 1
