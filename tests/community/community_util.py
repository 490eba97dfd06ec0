"""Results folders and bundles for the community tests, built from the checked-in smoke results
(tests/data/board/smoke_results: a real `peftbench run smoke`, 3 methods x 2 toy tasks x 2 seeds)
and the attack recipes in tests/data/community/attacks.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from peftbench.cli import main as cli

DATA = Path(__file__).resolve().parents[1] / "data"
SMOKE = DATA / "board" / "smoke_results"
ATTACKS = json.loads((DATA / "community" / "attacks.json").read_text())


def smoke_copy(dest: Path, methods: tuple[str, ...] | None = None) -> Path:
    """A copy of the smoke results at `dest`, keeping only the runs of `methods` when given."""
    shutil.copytree(SMOKE, dest)
    if methods is not None:
        for run in sorted((dest / "runs").iterdir()):
            if run.name.split("__")[2] not in methods:
                shutil.rmtree(run)
        _keep_invocation(dest)
    return dest


def _keep_invocation(folder: Path) -> None:
    """The folder's last invocation, limited to the runs it still holds."""
    path = folder / "invocations.json"
    data = json.loads(path.read_text())
    present = {p.name for p in (folder / "runs").iterdir()}
    for inv in data["invocations"]:
        inv["run_ids"] = [r for r in inv["run_ids"] if r in present]
    path.write_text(json.dumps(data))


def run_ids(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "runs").iterdir())


def edit_json(path: Path, **changes: Any) -> None:
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data, indent=2))


def pack(folder: Path, out: Path, *extra: str) -> int:
    return cli(["pack", str(folder), "--out", str(out), *extra])


def merge(out: Path, *bundles: Path) -> int:
    return cli(["merge", *(str(b) for b in bundles), "--out", str(out)])


def files_under(root: Path) -> set[str]:
    """Every path under `root` (to show that nothing outside --out was written)."""
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def rename_run(
    folder: Path,
    rid: str,
    new_rid: str | None = None,
    config: dict[str, Any] | None = None,
    provenance: dict[str, Any] | None = None,
) -> str:
    """Give run `rid` other settings (`config`: top-level keys of config.json, e.g. 'training'
    merged one level deep) or provenance, under a new run id that still checks: `new_rid`, or
    the id peftbench would give the changed config (same cell, new digest)."""
    from peftbench.config.schema import run_digest

    run = folder / "runs" / rid
    cfg = json.loads((run / "config.json").read_text())
    for key, value in (config or {}).items():
        cfg[key] = {**cfg[key], **value} if isinstance(value, dict) else value
    new_rid = new_rid or f"{rid.rsplit('__', 1)[0]}__{run_digest(cfg)}"
    cfg["run_id"] = new_rid
    (run / "config.json").write_text(json.dumps(cfg, indent=2))
    edit_json(run / "status.json", run_id=new_rid)
    if provenance:
        prov = json.loads((run / "provenance.json").read_text())
        for key, value in provenance.items():
            prov[key] = {**prov[key], **value} if isinstance(value, dict) else value
        (run / "provenance.json").write_text(json.dumps(prov, indent=2))
    run.rename(folder / "runs" / new_rid)
    inv = folder / "invocations.json"
    inv.write_text(inv.read_text().replace(f'"{rid}"', f'"{new_rid}"'))
    return new_rid


def members_of(bundle: Path) -> dict[str, bytes]:
    """A bundle's members, read by the test with tarfile (the bundle is ours, trusted)."""
    import tarfile

    with tarfile.open(bundle) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isreg()}  # type: ignore[union-attr]


def forge(
    path: Path,
    members: dict[str, bytes],
    extra: list[tuple[Any, bytes]] = (),  # type: ignore[assignment]
    manifest: bool = True,
) -> Path:
    """A bundle of `members` with a manifest that matches them (unless `manifest` is False:
    `members` then brings its own), plus raw tar entries `extra` (TarInfo, data) as given: what
    someone forging a bundle by hand would write."""
    import gzip
    import hashlib
    import io
    import tarfile

    members = dict(members)
    if manifest:
        old = json.loads(members.get("manifest.json", b"{}") or b"{}")
        body = {k: v for k, v in members.items() if k != "manifest.json"}
        runs = sorted({k.split("/")[1] for k in body if k.startswith("runs/")})
        old.update(format="peftbench-bundle", bundle_version=old.get("bundle_version", 1))
        old["run_ids"] = runs
        invocation = {"invocations": [{"suite": "pack", "run_ids": runs}], "schema_version": 2}
        body["invocations.json"] = members["invocations.json"] = json.dumps(invocation).encode()
        old["members"] = {
            k: {"sha256": hashlib.sha256(v).hexdigest(), "bytes": len(v)} for k, v in body.items()
        }
        members["manifest.json"] = json.dumps(old).encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(members, key=lambda n: (n != "manifest.json", n)):
            info = tarfile.TarInfo(name)
            info.size = len(members[name])
            tar.addfile(info, io.BytesIO(members[name]))
        for info, data in extra:
            tar.addfile(info, io.BytesIO(data) if data else None)
    with gzip.GzipFile(fileobj=(out := io.BytesIO()), mode="wb", mtime=0) as gz:
        gz.write(raw.getvalue())
    path.write_bytes(out.getvalue())
    return path


def synthetic_results(root: Path, seed: int, changes: dict[str, int] | None = None) -> Path:
    """The hand-made tie grid of tests/reports (scores known in advance) as a results folder,
    one run per method with `seed`; `changes[method]`: its number of right answers instead."""
    import importlib.util

    path = DATA.parent / "reports" / "synthetic.py"
    spec = importlib.util.spec_from_file_location("community_synthetic", path)
    assert spec and spec.loader
    synthetic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synthetic)
    grid = synthetic.load_grid("tie_cells.json")
    return Path(synthetic.write_results(root, grid, changes, seed))
