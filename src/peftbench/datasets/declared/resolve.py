"""From what a user wrote to what a suite holds: declarations read, checked, pinned, registered.

A suite's `dataset_defs` maps a name to an inline definition or to the path of a YAML file with
one; `--tasks DIR` adds every `*.yaml` / `*.yml` file of a folder (the file's stem is the name).
Each is validated, its relative paths are made absolute (relative to the file that declares it),
and it is pinned by a fingerprint: the definition plus the sha256 of each local data file. The
resolved form, `{"definition": ..., "declared_in": ..., "fingerprint": ...}`, is what the saved
suite and every run's config carry; the fingerprint (not the paths) is part of the run id, so a
changed template or data file makes new runs and a moved data folder does not.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from peftbench.cache import cache_dir, sha256_file
from peftbench.config.validate import build
from peftbench.datasets.base import DATASETS, LoadContext
from peftbench.datasets.declared.build import to_spec
from peftbench.datasets.declared.schema import DatasetDef, same_source
from peftbench.errors import UserError, did_you_mean
from peftbench.metrics import METRICS

PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
RESOLVED_KEYS = {"definition", "declared_in", "fingerprint"}
PATH_KEYS = ("train", "eval", "file")


def parse(raw: object, where: str) -> Any:
    """The typed definition (`DatasetDef`), checked: unknown keys, types, closed choices."""

    d = build(DatasetDef, raw, where)
    d.check(where)
    check_metrics(d.metrics, f"{where}.metrics")
    return d


def check_metrics(names: Iterable[str], where: str) -> None:
    for name in names:
        if name not in METRICS:
            known = METRICS.names()
            raise UserError(
                f"'{where}' names the metric '{name}', which is not registered. "
                f"Known metrics: {', '.join(known)}",
                did_you_mean(name, known) or "run `peftbench ls` for what exists",
            )


def _read_yaml(path: Path, where: str) -> Any:
    from peftbench.config.yaml_file import read_yaml

    data = read_yaml(path, f"dataset definition file named by '{where}'")
    if not isinstance(data, dict):
        raise UserError(f"{path} must hold one dataset definition (a mapping)")
    return data


def _absolute(d: Any, base: Path) -> Any:
    src = d.source
    fixed = {
        k: str((base / getattr(src, k)).expanduser().resolve())
        for k in PATH_KEYS
        if getattr(src, k)
    }
    return replace(d, source=replace(src, **fixed))


def fingerprint(d: Any, where: str = "dataset_defs") -> str:
    """sha256 of the definition with each local file's path replaced by its content's sha256.
    Train and eval files with the same content are refused (`where`: the declaration's key)."""

    body = asdict(d)
    for key in PATH_KEYS:
        path = body["source"].get(key)
        if path:
            body["source"][key] = sha256_file(Path(path)) if Path(path).is_file() else "missing"
    src = body["source"]
    if src.get("train") and src.get("train") == src.get("eval") != "missing":
        same_source(f"{where}.source", "train", "eval", "files with the same content")
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def resolve_one(name: str, raw: object, base: Path, origin: str = "suite") -> dict[str, Any]:
    """One entry of `dataset_defs` (inline mapping, file path, or already resolved) resolved."""
    where = f"dataset_defs.{name}"
    if not PLAIN_NAME.match(name):
        raise UserError(
            f"declared dataset name '{name}' must be plain (letters, digits, '-', '_', '.')",
            "it becomes part of run ids and folder names",
        )
    if isinstance(raw, dict) and set(raw) == RESOLVED_KEYS:  # from a saved suite.json
        parse(raw["definition"], where)
        return raw
    declared_in = origin
    if isinstance(raw, str):
        path = (base / raw).expanduser().resolve()
        raw, base, declared_in = _read_yaml(path, where), path.parent, str(path)
    d = _absolute(parse(raw, where), base)
    return {
        "definition": asdict(d),
        "declared_in": declared_in,
        "fingerprint": fingerprint(d, where),
    }


def folder_entries(folders: Iterable[Path]) -> dict[str, str]:
    """name -> file path for every definition file of the `--tasks` folders."""
    out: dict[str, str] = {}
    for folder in folders:
        folder = Path(folder).expanduser()
        if not folder.is_dir():
            raise UserError(
                f"--tasks '{folder}' is not a folder",
                "give a folder of dataset definition files (*.yaml), one dataset per file",
            )
        files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
        if not files:
            raise UserError(f"--tasks '{folder}' holds no *.yaml dataset definitions")
        for path in files:
            if path.stem in out:
                raise UserError(
                    f"dataset '{path.stem}' is declared twice: {out[path.stem]}, {path}"
                )
            out[path.stem] = str(path.resolve())
    return out


def resolve_all(
    raw: object, base: Path, tasks: Iterable[Path] = (), origin: str = "suite"
) -> dict[str, dict[str, Any]]:
    """Every declaration of a suite (its `dataset_defs`, then the `--tasks` folders) resolved."""
    if raw is not None and not isinstance(raw, Mapping):
        raise UserError(
            f"'dataset_defs' must map dataset names to definitions, got {raw!r}",
            "e.g. dataset_defs: {tickets: {source: ..., prompt: ..., answer: ...}}",
        )
    entries: dict[str, Any] = dict(raw or {})
    for name, path in folder_entries(tasks).items():
        if name in entries:
            raise UserError(
                f"dataset '{name}' is declared both in the suite and in {path}",
                "rename one of them",
            )
        entries[name] = path
    return {
        str(name): resolve_one(str(name), value, base, origin) for name, value in entries.items()
    }


def register_all(resolved: Mapping[str, Mapping[str, Any]]) -> None:
    """Put resolved declarations into the dataset registry (idempotent; no data is read)."""

    for name, entry in resolved.items():
        if name in DATASETS:
            current = DATASETS.get(name)
            if current.extras.get("fingerprint") == entry["fingerprint"]:
                continue
            if "fingerprint" not in current.extras:
                raise UserError(
                    f"declared dataset '{name}' has the name of a built-in dataset",
                    "give the declared dataset another name",
                )
        d = parse(entry["definition"], f"dataset_defs.{name}")
        spec = to_spec(name, d, str(entry["declared_in"]), str(entry["fingerprint"]))
        DATASETS.register(spec, replace=True)


def check_data(resolved: Mapping[str, Mapping[str, Any]]) -> None:
    """Build every example of each declared dataset with local files now, so a bad row or a
    missing field is exit 2 before anything runs (hub sources are checked by `prepare`)."""

    ctx = LoadContext(cache_dir=cache_dir())
    for name, entry in resolved.items():
        if entry["definition"]["source"].get("hub"):
            continue
        dataset = DATASETS.get(name)
        for split in dataset.splits:
            dataset.load(split, ctx)
