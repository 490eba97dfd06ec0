"""The method table (methods/peft_methods.toml): every entry is registered and has what a method
needs (a real peft config that takes every preset and fixed key, a learning rate, known roles),
and a bad entry is refused with a message that names it.

No count of entries is frozen here: the checks hold for whatever the table lists.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

import pytest

from peftbench.errors import UserError
from peftbench.methods import METHODS
from peftbench.methods import table as method_table
from peftbench.models.targets import ROLES, TARGETS

ENTRIES = method_table.entries()
BAD = tomllib.loads(
    (Path(__file__).parents[1] / "data" / "tables" / "bad_method_entries.toml").read_text()
)
METHODS_DIR = Path(method_table.__file__).parent


def test_the_table_is_not_empty() -> None:
    assert ENTRIES


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_entry_is_registered_as_the_table_says(name: str) -> None:
    entry, method = ENTRIES[name], METHODS.get(name)
    again = method_table.method_of(name, entry)
    assert (method.preset, method.sources, method.family) == (
        again.preset,
        again.sources,
        again.family,
    )
    assert method.provider == "peft" and method.trains and not method.baseline
    assert method.description and method.source
    assert method.mergeable is entry["mergeable"]
    assert method.identity_at_init is entry.get("identity_at_init", False)
    # one home per method: no module of the same name beside the table
    assert not (METHODS_DIR / f"{name}.py").exists()


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_entry_has_what_a_peft_method_needs(name: str) -> None:
    import peft

    entry, method = ENTRIES[name], METHODS.get(name)
    cls = getattr(peft, entry["config"], None)
    assert cls is not None and issubclass(cls, peft.PeftConfig), entry["config"]
    fields = {f.name for f in dataclasses.fields(cls)}
    build_keys = set(method.build_params(method.preset))
    assert build_keys | set(entry.get("fixed", {})) <= fields
    lr = method.preset["learning_rate"]
    assert isinstance(lr, float) and 0 < lr < 1
    for role in method.preset.get("target_modules", []):
        assert role in ROLES, f"{name}: '{role}' is not a role of models/targets.py"
    if entry.get("prefix_from_text"):
        assert method.family == "prompt"


@pytest.mark.parametrize("model_type", sorted(TARGETS))
def test_entries_build_a_peft_config_on_every_architecture(model_type: str) -> None:
    """Each entry builds a config peft accepts (the types and ranges it checks on construction)."""
    from peftbench.methods._peft import peft_config

    for name, entry in ENTRIES.items():
        method = METHODS.get(name)
        params = method.build_params(method.preset)
        config = peft_config(
            entry["config"],
            model_type,
            params,
            fixed=entry.get("fixed"),
            linear_only=entry.get("linear_only", False),
        )
        for key, value in entry.get("fixed", {}).items():
            assert getattr(config, key) == value, (name, key)


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_entry_is_refused_with_its_name(case: str) -> None:
    bad: dict[str, Any] = BAD[case]
    with pytest.raises((ValueError, UserError)) as info:
        method_table.method_of(case, bad["entry"])
    assert bad["error"] in str(info.value)
    if isinstance(info.value, ValueError):
        assert f"[{case}]" in str(info.value)
