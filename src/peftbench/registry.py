"""A tiny named registry, shared by methods, datasets, models and metrics.

Each entry lives in its own module and registers itself at import time; `discover()` imports every
module of a package so that the registry is complete without a second list to keep in sync.
Modules that register entries must not import torch at module level.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar

from peftbench.errors import UserError, unknown_name


class Named(Protocol):
    name: str


T = TypeVar("T", bound=Named)


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
        """Entries from installed distributions (entry point group `peftbench.<kind>s`)."""
        from importlib.metadata import entry_points

        for ep in entry_points(group=f"peftbench.{self.kind}s"):
            try:
                ep.load()
            except Exception as exc:  # a broken plugin must not break the benchmark
                raise UserError(
                    f"plugin '{ep.name}' ({ep.value}) for {self.kind}s failed to load: {exc}",
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
