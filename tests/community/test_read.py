"""Attacks on `peftbench merge` through its bundles (community/read.py). Each is refused with
exit 2 and a message naming the bundle and the problem, and nothing is written, inside --out or
outside it. Recipes: tests/data/community/attacks.json."""

from __future__ import annotations

import gzip
import io
import json
import random
import tarfile
from pathlib import Path

import pytest
from community_util import (
    ATTACKS,
    files_under,
    forge,
    members_of,
    merge,
    pack,
    run_ids,
    smoke_copy,
)

from peftbench.community.bundle import Limits


@pytest.fixture
def bundles(tmp_path: Path) -> tuple[Path, Path]:
    """A good bundle (frozen runs) and a second one (lora runs)."""
    a = smoke_copy(tmp_path / "alice", ("frozen",))
    b = smoke_copy(tmp_path / "bob", ("lora",))
    assert pack(a, tmp_path / "a.tar.gz") == 0 and pack(b, tmp_path / "b.tar.gz") == 0
    return tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"


def refused(
    tmp: Path, capsys: pytest.CaptureFixture[str], *given: Path, out_exists: bool = False
) -> str:
    """Merge `given` into tmp/site; assert exit 2, nothing written anywhere; the message."""
    site = tmp / "site"
    before = files_under(tmp)
    assert merge(site, *given) == 2
    err = capsys.readouterr().err
    assert files_under(tmp) == before, "a refused merge wrote something"
    assert site.exists() == out_exists
    assert "error:" in err
    return err


def test_one_changed_byte_anywhere_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bundles: tuple[Path, Path]
) -> None:
    good = bundles[0].read_bytes()
    positions = list(range(12)) + list(range(len(good) - 8, len(good)))  # header, trailer
    positions += random.Random(0).sample(range(12, len(good) - 8), 40)  # the compressed body
    for pos in positions:
        bad = bytearray(good)
        bad[pos] ^= 0x01
        (tmp_path / "t.tar.gz").write_bytes(bytes(bad))
        err = refused(tmp_path, capsys, tmp_path / "t.tar.gz")
        assert "t.tar.gz" in err, (pos, err)
        (tmp_path / "t.tar.gz").unlink()


def test_a_member_changed_after_packing_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bundles: tuple[Path, Path]
) -> None:
    members = members_of(bundles[0])
    name = next(k for k in members if k.endswith("efficiency.json"))
    members[name] = members[name].replace(b'"trainable_params": 0', b'"trainable_params": 1')
    forge(tmp_path / "t.tar.gz", members, manifest=False)  # the old manifest
    err = refused(tmp_path, capsys, tmp_path / "t.tar.gz")
    assert name in err and "sha256" in err


def test_a_record_that_contradicts_itself_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bundles: tuple[Path, Path]
) -> None:
    """A consistent manifest over an edited score: the typed reader finds the record damaged."""
    members = members_of(bundles[0])
    name = next(k for k in members if k.endswith("metrics.json"))
    data = json.loads(members[name])
    data["score"] = 99.0
    members[name] = json.dumps(data).encode()
    forge(tmp_path / "t.tar.gz", members)
    err = refused(tmp_path, capsys, tmp_path / "t.tar.gz")
    assert "damaged" in err or "do not read ok" in err


def test_a_bundle_claiming_another_bundles_run_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bundles: tuple[Path, Path]
) -> None:
    """Bob's bundle holds Alice's run id with other figures (that read ok on their own)."""
    alice = members_of(bundles[0])
    rid = run_ids(tmp_path / "alice")[0]
    stolen = {k: v for k, v in alice.items() if k.startswith(f"runs/{rid}/")}
    eff = json.loads(stolen[f"runs/{rid}/efficiency.json"])
    eff["peak_train_mem_mb"] = 1.0
    stolen[f"runs/{rid}/efficiency.json"] = json.dumps(eff).encode()
    forge(tmp_path / "t.tar.gz", {**members_of(bundles[1]), **stolen})
    err = refused(tmp_path, capsys, bundles[0], tmp_path / "t.tar.gz")
    assert rid in err and "claims run" in err and "a.tar.gz" in err


def test_a_manifest_naming_runs_it_does_not_hold_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bundles: tuple[Path, Path]
) -> None:
    members = members_of(bundles[0])
    manifest = json.loads(members["manifest.json"])
    manifest["run_ids"].append(run_ids(tmp_path / "bob")[0])
    members["manifest.json"] = json.dumps(manifest).encode()
    forge(tmp_path / "t.tar.gz", members, manifest=False)
    assert "runs its manifest names" in refused(tmp_path, capsys, tmp_path / "t.tar.gz")


def test_a_newer_bundle_version_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bundles: tuple[Path, Path]
) -> None:
    members = members_of(bundles[0])
    manifest = json.loads(members["manifest.json"])
    members["manifest.json"] = json.dumps({**manifest, "bundle_version": 99}).encode()
    forge(tmp_path / "t.tar.gz", members)
    assert "bundle_version 99" in refused(tmp_path, capsys, tmp_path / "t.tar.gz")


@pytest.mark.parametrize("name", ATTACKS["member_names"])
def test_path_tricks_in_member_names_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bundles: tuple[Path, Path], name: str
) -> None:
    members = {**members_of(bundles[0]), name: b'{"x": 1}'}
    forge(tmp_path / "t.tar.gz", members)
    err = refused(tmp_path, capsys, tmp_path / "t.tar.gz")
    assert "member" in err and "t.tar.gz" in err
    assert not (tmp_path.parent / "escaped.json").exists()


@pytest.mark.parametrize("link", ATTACKS["links"], ids=lambda d: f"{d['kind']}-{d['target']}")
def test_links_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bundles: tuple[Path, Path], link: dict
) -> None:
    rid = run_ids(tmp_path / "alice")[0]
    info = tarfile.TarInfo(link["name"].replace("RUN", rid))
    info.type = tarfile.SYMTYPE if link["kind"] == "symlink" else tarfile.LNKTYPE
    info.linkname = link["target"].replace("RUN", rid)
    members = members_of(bundles[0])
    members.pop(info.name, None)
    forge(tmp_path / "t.tar.gz", members, extra=[(info, b"")])
    err = refused(tmp_path, capsys, tmp_path / "t.tar.gz")
    assert ("symbolic link" if link["kind"] == "symlink" else "hard link") in err


def _zeros_bundle(tmp: Path, good: Path, size: int) -> Path:
    """A bundle whose one extra member is `size` zero bytes: a few KiB packed."""
    info = tarfile.TarInfo(f"runs/{run_ids(tmp / 'alice')[0]}/adapter.bin")
    info.size = size
    members = members_of(good)

    class Zeros:
        left = size

        def read(self, n: int = -1) -> bytes:
            n = self.left if n < 0 else min(n, self.left)
            self.left -= n
            return bytes(n)

    with (
        open(tmp / "bomb.tar.gz", "wb") as fh,
        gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as tar,
    ):
        for name in sorted(members, key=lambda n: (n != "manifest.json", n)):
            m = tarfile.TarInfo(name)
            m.size = len(members[name])
            tar.addfile(m, io.BytesIO(members[name]))
        tar.addfile(info, Zeros())  # type: ignore[arg-type]
    return tmp / "bomb.tar.gz"


def test_a_bomb_stops_at_the_cap(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    bundles: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """64 MiB of zeros packed into a few KiB, against caps of 8 MiB (total) and of 1 MiB (one
    member): refused by the member's declared size, and by the byte counter when the member
    cap is out of the way."""
    bomb = _zeros_bundle(tmp_path, bundles[0], 64 * 2**20)
    assert bomb.stat().st_size < 2**20
    caps = Limits(members=100, member_bytes=2**20, total_bytes=8 * 2**20)
    monkeypatch.setattr("peftbench.community.read.LIMITS", caps)
    assert "bytes (cap" in refused(tmp_path, capsys, bomb)
    caps = Limits(members=100, member_bytes=2**40, total_bytes=8 * 2**20)
    monkeypatch.setattr("peftbench.community.read.LIMITS", caps)
    assert "unpacks to more than" in refused(tmp_path, capsys, bomb)


def test_too_many_members_are_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    bundles: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        "peftbench.community.read.LIMITS", Limits(members=20, member_bytes=2**20, total_bytes=2**30)
    )
    assert "more than 20 members" in refused(tmp_path, capsys, bundles[0])


def test_a_link_given_as_the_bundle_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bundles: tuple[Path, Path]
) -> None:
    (tmp_path / "link.tar.gz").symlink_to(bundles[0])
    assert "link" in refused(tmp_path, capsys, tmp_path / "link.tar.gz")
