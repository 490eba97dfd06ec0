"""Shared test set-up: a private cache folder, quiet libraries, fixed threads."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    os.environ["PEFTBENCH_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
