"""A tiny named registry, shared by methods, datasets, models and metrics.

Each entry lives in its own module and registers itself at import time; `discover()` imports every
module of a package so that the registry is complete without a second list to keep in sync.
Modules that register entries must not import torch at module level.

Plugins add entries without editing peftbench, two ways: an installed distribution declares an
entry point in the group `peftbench.<kind>s` (e.g. `peftbench.methods`), or a folder of plugin
files is named in the environment variable `PEFTBENCH_PLUGINS` (several joined by the path
separator; `peftbench --plugins DIR` sets it). Every `*.py` file in such a folder (not starting
with `_`) is imported once per process and registers what it likes with the registries' own
`register` functions. Child processes (the local backend runs each cell in one) inherit the
variable, so they see the same plugins.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import os
import pkgutil
import sys
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Generic, NoReturn, Protocol, TypeVar

from peftbench.errors import UserError, did_you_mean, unknown_name


class Named(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=Named)

PLUGINS_ENV = "PEFTBENCH_PLUGINS"


def plugin_files() -> list[Path]:
    """The plugin files of the folders in $PEFTBENCH_PLUGINS, in a stable order."""
    files: list[Path] = []
    for entry in os.environ.get(PLUGINS_ENV, "").split(os.pathsep):
        if not entry.strip():
            continue
        folder = Path(entry).expanduser()
        if not folder.is_dir():
            what = "is a file, not a folder" if folder.exists() else "does not exist"
            raise UserError(
                f"plugin folder '{entry}' (from ${PLUGINS_ENV} or --plugins) {what}",
                "give a folder of *.py files that register methods, datasets, models or metrics",
            )
        for path in sorted(p for p in folder.glob("*.py") if not p.name.startswith("_")):
            if not path.is_file():  # a FIFO would block the import forever, a folder fail it
                raise UserError(
                    f"plugin file {path} is not a regular file",
                    "a plugin is a *.py file; remove what else is named like one",
                )
            files.append(path)
    return files


def load_plugin_files() -> None:
    """Import every plugin file once (module name derived from its resolved path)."""
    for path in plugin_files():
        digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:10]
        name = f"peftbench_plugin_{path.stem}_{digest}"
        if name in sys.modules:
            continue
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise UserError(f"plugin file {path} cannot be imported")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            with _no_hard_exit():
                spec.loader.exec_module(module)
        except (Exception, SystemExit) as exc:  # a broken plugin names itself, no traceback
            del sys.modules[name]
            raise UserError(
                f"plugin file {path} failed to load: {_failure(exc)}",
                "fix the file, or remove its folder from --plugins / $" + PLUGINS_ENV,
            ) from exc


class _PluginExited(Exception):
    def __init__(self, status: object) -> None:
        super().__init__(f"it called os._exit({status!r})")


@contextlib.contextmanager
def _no_hard_exit() -> Iterator[None]:
    """While a plugin file runs, `os._exit` raises instead of ending the process: a plugin that
    exits with status 0 made peftbench exit 0 having done nothing (sys.exit is SystemExit,
    caught by the loader; os._exit skips every handler)."""
    real = os._exit

    def refuse(status: int) -> NoReturn:
        raise _PluginExited(status)

    os._exit = refuse
    try:
        yield
    finally:
        os._exit = real


def read_table(package: str, filename: str) -> dict[str, dict[str, object]]:
    """The entries of a TOML table shipped in `package` (package data): entry name -> its keys.

    Entries that are data only (a peft config and its preset, a hub dataset's source and prompt
    settings) live in such a table instead of one module each; the module that reads it turns
    every entry into a registry entry (methods/table.py, datasets/hub_table.py).
    """
    path = Path(importlib.import_module(package).__file__ or "").with_name(filename)
    with open(path, "rb") as fh:
        table = tomllib.load(fh)
    for name, entry in table.items():
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: '{name}' must be a table ([{name}]), not a value")
    return table


def check_keys(
    where: str,
    entry: Mapping[str, object],
    required: Mapping[str, type | tuple[type, ...]],
    optional: Mapping[str, type | tuple[type, ...]],
) -> None:
    """Raise ValueError naming `where` and the key when `entry` lacks a required key, has an
    unknown one (with "did you mean") or a value of the wrong type."""
    known = {**required, **optional}
    for key, value in entry.items():
        if key not in known:
            hint = did_you_mean(key, known) or f"known keys: {', '.join(sorted(known))}"
            raise ValueError(f"{where}: unknown key '{key}'; {hint}")
        types = known[key]
        # bool is an int in Python: a `true` where a number belongs is still wrong
        wrong_bool = isinstance(value, bool) and bool not in (
            types if isinstance(types, tuple) else (types,)
        )
        if wrong_bool or not isinstance(value, types):
            names = [t.__name__ for t in (types if isinstance(types, tuple) else (types,))]
            raise ValueError(
                f"{where}: '{key}' must be {' or '.join(names)}, not {type(value).__name__} "
                f"({value!r})"
            )
    missing = [key for key in required if key not in entry]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(repr(k) for k in missing)}")


def _failure(exc: BaseException) -> str:
    """What went wrong in a plugin, in words; exiting while imported is an error too (peftbench
    would otherwise exit with the plugin's code, 0 included, having done nothing)."""
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({exc.code!r}) while being imported"
    if isinstance(exc, _PluginExited):
        return f"{exc} while being imported"
    return f"{type(exc).__name__}: {exc}"


class Registry(Generic[T]):
    """Name -> entry, filled by `register` calls in the modules of `package`."""

    def __init__(self, kind: str, package: str) -> None:
        self.kind = kind
        self.package = package
        self._entries: dict[str, T] = {}
        self._discovered = False

    def register(self, entry: T, *, replace: bool = False) -> T:
        if entry.name in self._entries and not replace:
            raise ValueError(f"{self.kind} '{entry.name}' is registered twice")
        self._entries[entry.name] = entry
        return entry

    def discover(self) -> None:
        """Import every top-level module of the package (once), so that each registers its entries.

        Sub-packages are imported as packages only (their `__init__`): helper code such as the
        native PEFT tuners may import torch at module level and is loaded when a method builds.
        """
        if self._discovered:
            return
        self._discovered = True
        pkg = importlib.import_module(self.package)
        for info in pkgutil.iter_modules(pkg.__path__, prefix=f"{self.package}."):
            if info.name.rsplit(".", 1)[-1].startswith("_"):
                continue
            importlib.import_module(info.name)
        self._load_plugins()

    def _load_plugins(self) -> None:
        """Entries from plugin folders, then installed distributions (`peftbench.<kind>s`)."""
        from importlib.metadata import entry_points  # slow to import: only when plugins load

        load_plugin_files()

        for ep in entry_points(group=f"peftbench.{self.kind}s"):
            try:
                ep.load()
            except (Exception, SystemExit) as exc:  # a broken plugin must not break the benchmark
                raise UserError(
                    f"plugin '{ep.name}' ({ep.value}) for {self.kind}s failed to load: "
                    f"{_failure(exc)}",
                    "fix or uninstall the plugin package",
                ) from exc

    def get(self, name: str) -> T:
        self.discover()
        try:
            return self._entries[name]
        except KeyError:
            raise unknown_name(self.kind, name, self._entries) from None

    def names(self) -> list[str]:
        self.discover()
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        self.discover()
        return name in self._entries

    def __iter__(self) -> Iterator[T]:
        self.discover()
        return iter([self._entries[n] for n in sorted(self._entries)])

    def __len__(self) -> int:
        self.discover()
        return len(self._entries)
