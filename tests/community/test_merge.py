"""`peftbench merge`: comparable cells merged, duplicates counted once, incomparable runs left
out with the reason, and --out the only place written (and never overwritten)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from community_util import (
    edit_json,
    files_under,
    forge,
    members_of,
    merge,
    pack,
    rename_run,
    run_ids,
    smoke_copy,
)

from peftbench.cli import main as cli
from peftbench.results.folder import read_folder


def _bundles(tmp: Path) -> tuple[Path, Path, Path, Path]:
    """Alice ran frozen and lora, Bob ia3 and lora (the same lora runs: duplicates)."""
    alice = smoke_copy(tmp / "alice", ("frozen", "lora"))
    bob = smoke_copy(tmp / "bob", ("ia3", "lora"))
    assert pack(alice, tmp / "alice.tar.gz") == 0 and pack(bob, tmp / "bob.tar.gz") == 0
    return alice, bob, tmp / "alice.tar.gz", tmp / "bob.tar.gz"


def test_merge_counts_duplicates_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    alice, bob, a, b = _bundles(tmp_path)
    assert merge(tmp_path / "site", a, b) == 0
    merged = read_folder(tmp_path / "site" / "results")
    ids = [r.run_id for r in merged.ok]
    assert sorted(ids) == sorted(set(run_ids(alice)) | set(run_ids(bob)))
    assert len(ids) == len(set(ids)) == 12  # 3 methods x 2 tasks x 2 seeds, lora once
    lora = [r for r in run_ids(bob) if "__lora__" in r]
    data = json.loads((tmp_path / "site" / "merge.json").read_text())
    assert sorted(d["run_id"] for d in data["duplicates"]) == sorted(lora)
    assert all(d["bundle"] == "bob.tar.gz" for d in data["duplicates"])
    assert data["refused"] == []
    assert "duplicate" in capsys.readouterr().out
    for s in data["bundles"]:  # each bundle downloadable, byte for byte
        given = a if s["name"] == "alice.tar.gz" else b
        assert (tmp_path / "site" / s["file"]).read_bytes() == given.read_bytes()


CHANGES = [
    ("training settings", {"config": {"training": {"max_steps": 20}}}),
    ("evaluation settings", {"config": {"evaluation": {"max_eval_examples": 8}}}),
    ("dataset fingerprint", {"provenance": {"dataset": {"eval_fingerprint": "0123456789abcdef"}}}),
    ("model source", {"provenance": {"model": {"source": "hub:someone/other-weights"}}}),
    ("method settings", {"config": {"method_params": {"r": 4}}}),
]


@pytest.mark.parametrize(("what", "change"), CHANGES, ids=[c[0] for c in CHANGES])
def test_incomparable_runs_are_left_out_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], what: str, change: dict
) -> None:
    alice = smoke_copy(tmp_path / "alice", ("frozen", "lora"))
    bob = smoke_copy(tmp_path / "bob", ("lora",))
    # Bob's lora runs had other settings: a config change gives its own run id, a provenance
    # change does not (so Bob's runs get ids of their own, which peftbench does not check)
    for n, rid in enumerate(run_ids(bob)):
        rename_run(bob, rid, None if "config" in change else f"bob-run-{n}", **change)
    assert pack(alice, tmp_path / "a.tar.gz") == 0 and pack(bob, tmp_path / "b.tar.gz") == 0
    assert merge(tmp_path / "site", tmp_path / "a.tar.gz", tmp_path / "b.tar.gz") == 0
    data = json.loads((tmp_path / "site" / "merge.json").read_text())
    assert sorted(d["run_id"] for d in data["refused"]) == run_ids(bob)
    assert all(f"different {what}" in d["reason"] for d in data["refused"])
    assert f"different {what}" in capsys.readouterr().err
    kept = {r.run_id for r in read_folder(tmp_path / "site" / "results").ok}
    assert kept == set(run_ids(alice))


def test_different_scoring_is_incomparable(tmp_path: Path) -> None:
    alice = smoke_copy(tmp_path / "alice", ("frozen", "lora"))
    bob = smoke_copy(tmp_path / "bob", ("ia3",))
    suite = json.loads((bob / "suite.json").read_text())
    suite.setdefault("scoring", {}).setdefault("pscp", {})["a"] = 0.5
    (bob / "suite.json").write_text(json.dumps(suite))
    pack(alice, tmp_path / "a.tar.gz")
    pack(bob, tmp_path / "b.tar.gz")
    assert merge(tmp_path / "site", tmp_path / "a.tar.gz", tmp_path / "b.tar.gz") == 0
    data = json.loads((tmp_path / "site" / "merge.json").read_text())
    assert sorted(d["run_id"] for d in data["refused"]) == run_ids(bob)
    assert all("different scoring settings" in d["reason"] for d in data["refused"])
    assert "pscp.a" in data["refused"][0]["reason"]


def test_the_same_cell_under_two_run_ids_is_counted_once(tmp_path: Path) -> None:
    """Two people ran one cell with the same settings but another measurement: one seed, once."""
    alice = smoke_copy(tmp_path / "alice", ("lora",))
    bob = smoke_copy(tmp_path / "bob", ("lora",))
    for rid in run_ids(bob):
        rename_run(bob, rid, config={"measurement": {"flops_tokens": 32}})
    pack(alice, tmp_path / "a.tar.gz")
    pack(bob, tmp_path / "b.tar.gz")
    assert merge(tmp_path / "site", tmp_path / "a.tar.gz", tmp_path / "b.tar.gz") == 0
    data = json.loads((tmp_path / "site" / "merge.json").read_text())
    assert sorted(d["run_id"] for d in data["refused"]) == run_ids(bob)
    assert all("the same cell as run" in d["reason"] for d in data["refused"])


def test_a_non_empty_out_is_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, a, b = _bundles(tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("my own page")
    assert merge(site, a, b) == 2
    assert "not empty" in capsys.readouterr().err
    assert (site / "index.html").read_text() == "my own page"
    assert files_under(site) == {"index.html"}


def test_an_empty_out_is_used_and_nothing_else_is_written(tmp_path: Path) -> None:
    _, _, a, b = _bundles(tmp_path)
    (tmp_path / "site").mkdir()
    before = files_under(tmp_path)
    assert merge(tmp_path / "site", a, b) == 0
    after = files_under(tmp_path)
    assert {p for p in after - before if not p.startswith("site")} == set()
    assert not (tmp_path / "site" / ".staging").exists()


def test_a_refused_merge_removes_every_folder_it_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--out deep/er/site with a bad second bundle: no `deep` is left behind."""
    _, _, a, _ = _bundles(tmp_path)
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(a.read_bytes()[:-20])  # truncated
    before = files_under(tmp_path)
    assert merge(tmp_path / "deep" / "er" / "site", a, bad) == 2
    assert "bad.tar.gz" in capsys.readouterr().err
    assert files_under(tmp_path) == before


def test_keep_first_leaves_out_a_rerun_of_the_same_run_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bob ran Alice's lora cells with the same settings (same run ids), other figures: refused
    by default; with --keep-first Alice's runs count and Bob's are listed as left out."""
    alice = smoke_copy(tmp_path / "alice", ("lora",))
    bob = smoke_copy(tmp_path / "bob", ("lora",))
    for rid in run_ids(bob):
        edit_json(bob / "runs" / rid / "status.json", wall_seconds=99.0)
    pack(alice, tmp_path / "a.tar.gz")
    pack(bob, tmp_path / "b.tar.gz")
    assert merge(tmp_path / "site", tmp_path / "a.tar.gz", tmp_path / "b.tar.gz") == 2
    assert "--keep-first" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()
    args = ["merge", str(tmp_path / "a.tar.gz"), str(tmp_path / "b.tar.gz")]
    assert cli([*args, "--out", str(tmp_path / "site"), "--keep-first"]) == 0
    data = json.loads((tmp_path / "site" / "merge.json").read_text())
    assert sorted(d["run_id"] for d in data["refused"]) == run_ids(bob)
    assert all(d["bundle"] == "b.tar.gz" for d in data["refused"])
    merged = read_folder(tmp_path / "site" / "results")
    assert all(r.status and r.status.wall_seconds != 99.0 for r in merged.ok)


HASHED = Path(__file__).resolve().parents[1] / "data" / "damage" / "results"


def test_records_with_file_hashes_and_adapters_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real folder whose records list their adapter and predictions with sha256 (status.json
    `files`): packed with those files, merged, and read back ok; a bundle without a listed
    file is refused (the typed reader finds the record damaged)."""
    folder = Path(shutil.copytree(HASHED, tmp_path / "results"))
    assert pack(folder, tmp_path / "a.tar.gz") == 0
    assert merge(tmp_path / "site", tmp_path / "a.tar.gz") == 0
    merged = read_folder(tmp_path / "site" / "results")
    assert sorted(r.run_id for r in merged.ok) == run_ids(folder)
    lora = next(r for r in merged.ok if r.method == "lora")
    assert lora.status and "adapter/adapter_model.safetensors" in lora.status.files
    assert (lora.folder / "adapter" / "adapter_model.safetensors").is_file()
    members = members_of(tmp_path / "a.tar.gz")
    del members[f"runs/{lora.run_id}/adapter/adapter_model.safetensors"]
    forge(tmp_path / "t.tar.gz", members)
    assert merge(tmp_path / "site2", tmp_path / "t.tar.gz") == 2
    err = capsys.readouterr().err
    assert lora.run_id in err and "adapter_model.safetensors" in err
    assert not (tmp_path / "site2").exists()
