"""Shared test set-up: a private cache folder, quiet libraries, fixed threads."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _adapter_weights() -> None:
    """The damage fixture's adapter weights, written from code (not kept in git)."""
    from adapter_weights import write_adapter_weights

    write_adapter_weights()


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    os.environ["PEFTBENCH_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(autouse=True)
def _no_plugins_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--plugins` sets $PEFTBENCH_PLUGINS in the process (so run workers inherit it); a test
    that calls the CLI in-process must not leave it set for the tests after it."""
    # setenv first: delenv of an unset variable records nothing to undo, so a value the CLI sets
    # during the test would survive it
    monkeypatch.setenv("PEFTBENCH_PLUGINS", "")
    monkeypatch.delenv("PEFTBENCH_PLUGINS")
