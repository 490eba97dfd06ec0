"""The methods that are one HF peft config and nothing else, read from `peft_methods.toml`.

Each entry of the table becomes one `Method` through `_peft.peft_method`, exactly as a module
calling `register(peft_method(...))` would make it; the table is data, so adding such a method is
one entry, not one file. Reading it needs only `tomllib` (no torch, no peft): `peftbench ls`
stays fast. Methods with code of their own (an optimizer, a step hook, a check, their own build)
stay modules in this package.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from peftbench.errors import did_you_mean
from peftbench.methods._peft import SHARED_PRESETS, peft_method
from peftbench.methods.base import FAMILIES, Method, register
from peftbench.registry import check_keys, read_table

TABLE = "peft_methods.toml"

REQUIRED: dict[str, type | tuple[type, ...]] = {
    "config": str,
    "family": str,
    "description": str,
    "mergeable": bool,
    "source": str,
    "preset": (dict, str),  # a table, or the name of a shared preset (`_peft.SHARED_PRESETS`)
}
OPTIONAL: dict[str, type | tuple[type, ...]] = {
    "identity_at_init": bool,
    "linear_only": bool,
    "fixed": dict,
    "prefix_from_text": bool,
    "sources": (dict, str),  # a table, or the name of a shared preset's sources
}


def _shared(where: str, key: str, value: Any) -> Mapping[str, Any]:
    """A table as written, or the shared preset (index 0) / its sources (1) that `value` names."""
    if isinstance(value, dict):
        return value
    if value not in SHARED_PRESETS:
        known = ", ".join(sorted(SHARED_PRESETS))
        raise ValueError(f"{where}: '{key}' names no shared preset '{value}' (known: {known})")
    preset, sources = SHARED_PRESETS[value]
    return preset if key == "preset" else sources


def method_of(name: str, entry: Mapping[str, Any]) -> Method:
    """The `Method` of one table entry (its keys checked first)."""
    where = f"methods/{TABLE} [{name}]"
    check_keys(where, entry, REQUIRED, OPTIONAL)
    if entry["family"] not in FAMILIES:
        hint = did_you_mean(entry["family"], FAMILIES) or f"known: {', '.join(FAMILIES)}"
        raise ValueError(f"{where}: unknown method family '{entry['family']}'; {hint}")
    fields = dict(entry)
    fields["preset"] = _shared(where, "preset", entry["preset"])
    if "sources" in entry:
        fields["sources"] = _shared(where, "sources", entry["sources"])
    return peft_method(name=name, **fields)


def entries() -> dict[str, dict[str, Any]]:
    """The table's entries, name -> keys as written."""
    return read_table("peftbench.methods", TABLE)


for _name, _entry in entries().items():
    register(method_of(_name, _entry))
