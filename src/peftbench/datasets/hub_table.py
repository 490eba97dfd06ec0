"""The hub datasets, read from `hub_datasets.toml`: one `DatasetSpec` per entry, via `hub_spec`.

Every hub dataset is the same recipe: pinned rows from the hub (or the same schema in local
files), a row -> Example function, a parser, a metric and generation limits. The recipe's
settings are data, so they live in one table; only the code that reads a row (and a parser a
dataset needs of its own) stays in the group's module, named by the table as
"<module>.<function>". Reading the table needs only `tomllib`: `peftbench ls` stays fast.
"""

from __future__ import annotations

import importlib
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypedDict, TypeGuard

from peftbench.datasets.base import DatasetSpec, ParseFn, register
from peftbench.datasets.hub import HubSource, hub_spec
from peftbench.datasets.verbal import choice_parser, code_parser, number_parser
from peftbench.registry import check_keys, read_table

TABLE = "hub_datasets.toml"


class _Required(TypedDict):
    """The keys every entry of the table has."""

    hub: str
    revision: str
    rows: str
    parse: str
    description: str
    metric: str


# (the required keys are a base class, not `Required[...]`: Python 3.11 cannot see `Required`
# in an annotation left as text, and REQUIRED below is read from this class at run time)
class HubEntry(_Required, total=False):
    """One entry of the table, with its group's defaults filled in. The keys and their types are
    checked (`check_keys`) before an entry is read; the items of a list or a mapping are checked
    where they are read."""

    config: str
    files: dict[str, object]
    why_unpinned: str
    prompt: dict[str, object]
    labels: list[object]
    extra_metrics: list[object]
    splits: list[object]
    max_new_tokens: int
    system_prompt: str
    stop_at_newline: bool
    notes: str
    shuffle_by: str


# The Python type each key must have (a list or mapping: its kind), from `HubEntry`: one home.
_HINTS = typing.get_type_hints(HubEntry)
REQUIRED: dict[str, type | tuple[type, ...]] = {
    k: typing.get_origin(t) or t for k, t in _HINTS.items() if k in HubEntry.__required_keys__
}
OPTIONAL: dict[str, type | tuple[type, ...]] = {
    k: typing.get_origin(t) or t for k, t in _HINTS.items() if k not in REQUIRED
}
NAMED_PARSERS = ("labels", "number", "code")


def entries() -> dict[str, tuple[str, dict[str, object]]]:
    """Dataset name -> (its group, its keys with the group's defaults filled in)."""
    out: dict[str, tuple[str, dict[str, object]]] = {}
    for group, table in read_table("peftbench.datasets", TABLE).items():
        defaults = {k: v for k, v in table.items() if not isinstance(v, dict)}
        for name, own in table.items():
            if not isinstance(own, dict):
                continue
            if name in out:
                raise ValueError(f"datasets/{TABLE}: '{name}' is in [{out[name][0]}] and [{group}]")
            out[name] = (group, {**defaults, **own})
    return out


def is_entry(entry: Mapping[str, object], where: str) -> TypeGuard[HubEntry]:
    """True when every key of `entry` is known and of its type; else a ValueError names it."""
    check_keys(where, entry, REQUIRED, OPTIONAL)
    return True


# A function the table names: a row function, a factory of them, a parser or a grouping key.
# Its signature is the table's contract (checked where it is called), not known to mypy.
def _function(where: str, key: str, dotted: str) -> Callable[..., Any]:
    """The function "<module>.<name>" of a module in peftbench.datasets."""
    module, _, attr = dotted.rpartition(".")
    try:
        found = getattr(importlib.import_module(f"peftbench.datasets.{module}"), attr)
    except (ImportError, AttributeError, ValueError):
        found = None
    if not module or not callable(found):
        raise ValueError(
            f"{where}: '{key}' = '{dotted}' is no function of a peftbench.datasets module "
            "(write it as <module>.<function>, e.g. superglue.build_boolq)"
        )
    return found


def _strings(
    where: str, key: str, value: Sequence[object], length: int | None = None
) -> tuple[str, ...]:
    strings = tuple(v for v in value if isinstance(v, str))
    if len(strings) != len(value) or (length and len(value) != length):
        size = f"{length} " if length else ""
        raise ValueError(f"{where}: '{key}' must be a list of {size}strings, not {value!r}")
    return strings


def _splits(where: str, value: Sequence[object]) -> tuple[str, str]:
    train, evaluated = _strings(where, "splits", value, 2)
    return train, evaluated


def _files(where: str, value: Mapping[str, object] | None) -> dict[str, str] | None:
    """split -> data file path; None: the repository's own layout."""
    if value is None:
        return None
    files = {split: path for split, path in value.items() if isinstance(path, str)}
    if len(files) != len(value):
        raise ValueError(f"{where}: 'files' must map split names to file paths, not {value!r}")
    return files


def _parser(where: str, name: str, labels: tuple[str, ...]) -> ParseFn:
    if name == "labels":
        if not labels:
            raise ValueError(f"{where}: parse = 'labels' needs 'labels'")
        return choice_parser(labels)
    if name == "number":
        return number_parser
    if name == "code":
        return code_parser
    if "." not in name:
        raise ValueError(
            f"{where}: parse = '{name}' is none of {', '.join(NAMED_PARSERS)} and names no "
            "<module>.<function>"
        )
    return _function(where, "parse", name)


def spec_of(name: str, group: str, entry: Mapping[str, object]) -> DatasetSpec:
    """The `DatasetSpec` of one table entry (its keys checked first)."""
    where = f"datasets/{TABLE} [{group}.{name}]"
    if not is_entry(entry, where):  # not reached: `is_entry` raises, naming the key
        raise AssertionError(where)
    labels = _strings(where, "labels", entry.get("labels", []))
    rows = _function(where, "rows", entry["rows"])
    if "prompt" in entry:  # a factory of row functions, filled in with the entry's wording
        rows = rows(name, entry["prompt"], labels)
    source = HubSource(
        entry["hub"],
        entry.get("config"),
        entry["revision"],
        _files(where, entry.get("files")),
        entry.get("why_unpinned", ""),
    )
    shuffle_by = entry.get("shuffle_by")
    spec = hub_spec(
        name=name,
        source=source,
        build=rows,
        parse=_parser(where, entry["parse"], labels),
        group=group,
        description=entry["description"],
        metric=entry["metric"],
        extra_metrics=_strings(where, "extra_metrics", entry.get("extra_metrics", [])),
        splits=_splits(where, entry.get("splits", ["train", "validation"])),
        labels=labels,
        notes=entry.get("notes", ""),
        example_group=_function(where, "shuffle_by", shuffle_by) if shuffle_by else None,
    )
    # generation settings an entry may set; the spec's own default where it does not
    return replace(
        spec,
        max_new_tokens=entry.get("max_new_tokens", spec.max_new_tokens),
        system_prompt=entry.get("system_prompt", spec.system_prompt),
        stop_at_newline=entry.get("stop_at_newline", spec.stop_at_newline),
    )


for _name, (_group, _entry) in entries().items():
    register(spec_of(_name, _group, _entry))
