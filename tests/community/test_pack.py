"""`peftbench pack`: the ok records of a folder in one bundle, checked on the way out; a damaged
or failed record refuses the pack unless left out."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
from community_util import edit_json, pack, run_ids, smoke_copy

from peftbench.community.bundle import MANIFEST
from peftbench.community.read import read_bundle


def test_pack_holds_every_record_with_hashes(tmp_path: Path) -> None:
    folder = smoke_copy(tmp_path / "results")
    assert pack(folder, tmp_path / "b.tar.gz") == 0
    bundle = read_bundle(tmp_path / "b.tar.gz")
    assert sorted(bundle.run_ids) == run_ids(folder)
    assert bundle.manifest["bundle_version"] == 1
    for rid in bundle.run_ids:  # every file of every record, byte for byte
        held = bundle.run_members(rid)
        assert set(held) == {p.name for p in (folder / "runs" / rid).iterdir()}
        for name, data in held.items():
            assert data == (folder / "runs" / rid / name).read_bytes()
    assert bundle.members["suite.json"] == (folder / "suite.json").read_bytes()
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        assert tar.getnames()[0] == MANIFEST
        listed = json.loads(tar.extractfile(MANIFEST).read())["members"]  # type: ignore[union-attr]
    assert set(listed) == set(bundle.members)


def test_same_folder_packs_to_the_same_bytes(tmp_path: Path) -> None:
    folder = smoke_copy(tmp_path / "results")
    pack(folder, tmp_path / "a.tar.gz")
    pack(folder, tmp_path / "b.tar.gz")
    assert (tmp_path / "a.tar.gz").read_bytes() == (tmp_path / "b.tar.gz").read_bytes()


def _damage_and_fail(folder: Path) -> tuple[str, str]:
    damaged, failed = run_ids(folder)[:2]
    (folder / "runs" / damaged / "metrics.json").write_text('{"score": 5')  # truncated
    status = folder / "runs" / failed / "status.json"
    edit_json(status, status="failed", error="CUDA out of memory")
    return damaged, failed


def test_damaged_or_failed_records_refuse_the_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = smoke_copy(tmp_path / "results")
    damaged, failed = _damage_and_fail(folder)
    assert pack(folder, tmp_path / "b.tar.gz") == 2
    err = capsys.readouterr().err
    assert damaged in err and failed in err and "--leave-out-damaged" in err
    assert not (tmp_path / "b.tar.gz").exists()


def test_leave_out_damaged_packs_the_rest(tmp_path: Path) -> None:
    folder = smoke_copy(tmp_path / "results")
    damaged, failed = _damage_and_fail(folder)
    assert pack(folder, tmp_path / "b.tar.gz", "--leave-out-damaged") == 0
    held = read_bundle(tmp_path / "b.tar.gz").run_ids
    assert sorted(held) == sorted(set(run_ids(folder)) - {damaged, failed})


def test_a_link_in_a_run_folder_refuses_the_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A record file linked elsewhere (e.g. /etc/passwd) is damage: never packed."""
    folder = smoke_copy(tmp_path / "results")
    rid = run_ids(folder)[0]
    secret = tmp_path / "secret.txt"
    secret.write_text("not for sharing")
    (folder / "runs" / rid / "predictions.jsonl").unlink()
    (folder / "runs" / rid / "predictions.jsonl").symlink_to(secret)
    assert pack(folder, tmp_path / "b.tar.gz") == 2
    assert rid in capsys.readouterr().err
    assert pack(folder, tmp_path / "b.tar.gz", "--leave-out-damaged") == 0
    bundle = read_bundle(tmp_path / "b.tar.gz")
    assert rid not in bundle.run_ids
    assert all(b"not for sharing" not in data for data in bundle.members.values())
