"""`peftbench export --format hf-peft`: our records in HF peft's schema, and the round trips
ours -> theirs -> ours and theirs -> ours -> theirs keep every figure their schema can carry."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from peftbench.board.build import of_folder
from peftbench.cli import main
from peftbench.interop.hf_peft_io import import_hf_peft
from peftbench.interop.hf_peft_out import PACKAGES
from peftbench.results.folder import read_folder
from peftbench.results.record import RunRecord

DATA = Path(__file__).resolve().parents[1] / "data"
THEIRS = sorted((DATA / "hf_peft").glob("*.json"))
OURS = DATA / "records" / "v1"  # real peftbench records (tiny-llama on the toy tasks)


def _keys(obj: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON object (lists not entered)."""
    if not isinstance(obj, dict):
        return set()
    out = set()
    for k, v in obj.items():
        out.add(prefix + k)
        if k not in ("peft_config", "metrics", "dataset_info", "pytorch_info"):
            out |= _keys(v, prefix + k + ".")
    return out


def _export(results: Path, out: Path) -> list[Path]:
    assert main(["export", "--format", "hf-peft", str(results), "--out", str(out)]) == 0
    return sorted(out.glob("*.json"))


def test_our_records_in_their_schema(tmp_path: Path) -> None:
    files = _export(OURS, tmp_path / "hf")
    assert len(files) == len(read_folder(OURS).ok) > 0
    theirs = json.loads(THEIRS[0].read_text())
    wanted = _keys(theirs) - {"run_info.peft_worktree_is_dirty"}
    for f in files:
        data = json.loads(f.read_text())
        assert wanted <= _keys(data), sorted(wanted - _keys(data))
        info = data["train_info"]
        assert info["status"] == "success"
        # figures we do not have are null, as in their cancelled runs -- never zero
        assert info["accelerator_memory_reserved_avg"] is None
        assert info["accelerator_memory_reserved_99th"] is None
        assert data["run_info"]["train_config"]["eval_steps"] is None
        assert data["meta_info"]["model_info"]["created_at"] is None


def _figures(r: RunRecord) -> dict[str, Any]:
    """Every figure HF peft's schema can carry."""
    assert r.metrics is not None and r.status is not None
    e = r.eff
    return {
        "cell": r.cell,
        "metric": r.metrics.metric,
        "score": pytest.approx(r.metrics.score, abs=1e-9),
        "n": r.metrics.eval_examples,
        "trainable": e.trainable_params,
        "total": e.total_params,
        "memory": pytest.approx(e.peak_train_mem_mb, abs=1e-6),
        "adapter_bytes": e.adapter_bytes,
        "train_seconds": e.train_seconds,
        "wall_seconds": r.status.wall_seconds,
        "started": pytest.approx(r.status.started, abs=1e-3),
    }


def _carried(r: RunRecord) -> dict[str, Any]:
    """What their meta_info carries of our provenance: five package versions, the system."""
    p = r.provenance.data
    return {
        "packages": {k: v for k, v in p.get("packages", {}).items() if k in PACKAGES},
        "os": p.get("os"),
        "cpu": p.get("cpu"),
        "device_name": r.eff.device_name,
    }


def test_round_trip_ours_theirs_ours(tmp_path: Path) -> None:
    _export(OURS, tmp_path / "hf")
    import_hf_peft(tmp_path / "hf", tmp_path / "back")
    before = {r.run_id: r for r in read_folder(OURS).ok}
    back = read_folder(tmp_path / "back")
    assert not back.damaged and not back.failed
    after = {r.run_id: r for r in back.ok}
    assert set(after) == set(before)  # the same cells, under the same run ids
    for run_id, r in before.items():
        assert _figures(after[run_id]) == _figures(r)
        assert _carried(after[run_id]) == _carried(r)
        assert after[run_id].config == r.config  # every resolved setting
        assert after[run_id].source == "hf-peft"
        assert after[run_id].eff.latency_ms_per_token is None  # their schema has no latency


def test_round_trip_keeps_the_count_behind_each_interval(tmp_path: Path) -> None:
    """Our right/wrong items travel as a count, so the board of the round trip has intervals."""
    _export(OURS, tmp_path / "hf")
    import_hf_peft(tmp_path / "hf", tmp_path / "back")
    board = of_folder(read_folder(tmp_path / "back"))
    for row in board.rows:
        assert row.score_ci is not None and row.score_ci[0] <= row.score <= row.score_ci[1]


def test_round_trip_theirs_ours_theirs(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for f in THEIRS:
        shutil.copy(f, src)
    import_hf_peft(src, tmp_path / "ours")
    files = _export(tmp_path / "ours", tmp_path / "again")
    assert [f.name for f in files] == [f.name for f in THEIRS]
    for original, again in zip(THEIRS, files, strict=True):
        a, b = json.loads(original.read_text()), json.loads(again.read_text())
        for key in (
            "num_trainable_params",
            "num_total_params",
            "file_size",
            "train_time",
            "accelerator_memory_max",
        ):
            assert b["train_info"][key] == a["train_info"][key]
        test_a = [m for m in a["train_info"]["metrics"] if "test accuracy" in m][-1]
        (test_b,) = b["train_info"]["metrics"]
        assert test_b["test accuracy"] == pytest.approx(test_a["test accuracy"], abs=1e-12)
        assert test_b["forgetting"] == test_a["forgetting"]
        assert b["run_info"]["train_config"] == a["run_info"]["train_config"]
        assert b["run_info"]["peft_config"] == a["run_info"]["peft_config"]
        assert b["meta_info"] == a["meta_info"]
        assert b["run_info"]["total_time"] == a["run_info"]["total_time"]
