"""The methods that are one HF peft config and nothing else, read from `peft_methods.toml`.

Each entry of the table becomes one `Method` through `_peft.peft_method`, exactly as a module
calling `register(peft_method(...))` would make it; the table is data, so adding such a method is
one entry, not one file. Reading it needs only `tomllib` (no torch, no peft): `peftbench ls`
stays fast. Methods with code of their own (an optimizer, a step hook, a check, their own build)
stay modules in this package.
"""

from __future__ import annotations

from collections.abc import Mapping

from peftbench.errors import did_you_mean
from peftbench.methods._peft import SHARED_PRESETS, peft_method
from peftbench.methods.base import FAMILIES, Method, is_family, register
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


def _shared(where: str, key: str, value: object) -> tuple[Mapping[str, object], Mapping[str, str]]:
    """The shared preset and its sources that `value` (the entry's `key`) names."""
    if not isinstance(value, str) or value not in SHARED_PRESETS:
        known = ", ".join(sorted(SHARED_PRESETS))
        raise ValueError(f"{where}: '{key}' names no shared preset '{value}' (known: {known})")
    return SHARED_PRESETS[value]


def _preset(where: str, value: object) -> Mapping[str, object]:
    """The `preset` as written (a table), or the shared preset it names."""
    return value if isinstance(value, dict) else _shared(where, "preset", value)[0]


def _sources(where: str, value: object) -> Mapping[str, str]:
    """The `sources` as written (a table of text), or those of the shared preset it names."""
    if not isinstance(value, dict):
        return _shared(where, "sources", value)[1]
    text = {k: v for k, v in value.items() if isinstance(v, str)}
    if len(text) != len(value):
        raise ValueError(f"{where}: every value of 'sources' must be text, found {value!r}")
    return text


def method_of(name: str, entry: Mapping[str, object]) -> Method:
    """The `Method` of one table entry (its keys and their types checked first)."""
    where = f"methods/{TABLE} [{name}]"
    check_keys(where, entry, REQUIRED, OPTIONAL)
    family, fixed = entry["family"], entry.get("fixed")
    if not is_family(family):
        hint = did_you_mean(str(family), FAMILIES) or f"known: {', '.join(FAMILIES)}"
        raise ValueError(f"{where}: unknown method family '{family}'; {hint}")
    return peft_method(
        name=name,
        config=str(entry["config"]),
        family=family,
        description=str(entry["description"]),
        preset=_preset(where, entry["preset"]),
        source=str(entry["source"]),
        mergeable=entry["mergeable"] is True,
        identity_at_init=entry.get("identity_at_init") is True,
        linear_only=entry.get("linear_only") is True,
        fixed=fixed if isinstance(fixed, dict) else None,
        prefix_from_text=entry.get("prefix_from_text") is True,
        sources=_sources(where, entry["sources"]) if "sources" in entry else None,
    )


def entries() -> Mapping[str, Mapping[str, object]]:
    """The table's entries, name -> keys as written."""
    return read_table("peftbench.methods", TABLE)


for _name, _entry in entries().items():
    register(method_of(_name, _entry))
