"""Fixtures of the dataset tests: the fixture data files (tests/data), a tiny tokenizer, and no HF
hub (any attempt to load from it fails the test)."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
from fixture_rows import DATA

from peftbench.datasets import LoadContext
from peftbench.models.tiny import char_tokenizer


@pytest.fixture(autouse=True)
def no_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to reach the HF hub fails the test: everything must come from local files."""

    def load_dataset(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"tests must not load from the hub: {args} {kwargs}")

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))


@pytest.fixture(scope="session")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> LoadContext:
    return LoadContext(cache_dir=tmp_path_factory.mktemp("cache"), data_dir=DATA)


@pytest.fixture(scope="session")
def tok() -> Any:
    return char_tokenizer()
