"""The hub datasets, read from `hub_datasets.toml`: one `DatasetSpec` per entry, via `hub_spec`.

Every hub dataset is the same recipe: pinned rows from the hub (or the same schema in local
files), a row -> Example function, a parser, a metric and generation limits. The recipe's
settings are data, so they live in one table; only the code that reads a row (and a parser a
dataset needs of its own) stays in the group's module, named by the table as
"<module>.<function>". Reading the table needs only `tomllib`: `peftbench ls` stays fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from peftbench.datasets.base import DatasetSpec, ParseFn, register
from peftbench.datasets.hub import HubSource, hub_spec
from peftbench.datasets.verbal import choice_parser, code_parser, number_parser
from peftbench.registry import check_keys, read_table

TABLE = "hub_datasets.toml"

REQUIRED: dict[str, type | tuple[type, ...]] = {
    "hub": str,
    "revision": str,
    "rows": str,
    "parse": str,
    "description": str,
    "metric": str,
}
OPTIONAL: dict[str, type | tuple[type, ...]] = {
    "config": str,
    "files": dict,
    "why_unpinned": str,
    "prompt": dict,
    "labels": list,
    "extra_metrics": list,
    "splits": list,
    "max_new_tokens": int,
    "system_prompt": str,
    "stop_at_newline": bool,
    "notes": str,
    "shuffle_by": str,
}
# Keys passed to `DatasetSpec` only when an entry sets them (else the spec's own default).
SPEC_DEFAULTS = ("max_new_tokens", "system_prompt", "stop_at_newline")
NAMED_PARSERS = ("labels", "number", "code")


def entries() -> dict[str, tuple[str, dict[str, Any]]]:
    """Dataset name -> (its group, its keys with the group's defaults filled in)."""
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for group, table in read_table("peftbench.datasets", TABLE).items():
        defaults = {k: v for k, v in table.items() if not isinstance(v, dict)}
        for name, own in table.items():
            if not isinstance(own, dict):
                continue
            if name in out:
                raise ValueError(f"datasets/{TABLE}: '{name}' is in [{out[name][0]}] and [{group}]")
            out[name] = (group, {**defaults, **own})
    return out


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


def _strings(where: str, key: str, value: Any, length: int | None = None) -> tuple[str, ...]:
    if not all(isinstance(v, str) for v in value) or (length and len(value) != length):
        size = f"{length} " if length else ""
        raise ValueError(f"{where}: '{key}' must be a list of {size}strings, not {value!r}")
    return tuple(value)


def _splits(where: str, value: Any) -> tuple[str, str]:
    train, evaluated = _strings(where, "splits", value, 2)
    return train, evaluated


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


def spec_of(name: str, group: str, entry: Mapping[str, Any]) -> DatasetSpec:
    """The `DatasetSpec` of one table entry (its keys checked first)."""
    where = f"datasets/{TABLE} [{group}.{name}]"
    check_keys(where, entry, REQUIRED, OPTIONAL)
    labels = _strings(where, "labels", entry.get("labels", []))
    rows = _function(where, "rows", entry["rows"])
    if "prompt" in entry:  # a factory of row functions, filled in with the entry's wording
        rows = rows(name, entry["prompt"], labels)
    source = HubSource(
        entry["hub"],
        entry.get("config"),
        entry["revision"],
        entry.get("files"),
        entry.get("why_unpinned", ""),
    )
    shuffle_by = entry.get("shuffle_by")
    return hub_spec(
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
        **{key: entry[key] for key in SPEC_DEFAULTS if key in entry},
    )


for _name, (_group, _entry) in entries().items():
    register(spec_of(_name, _group, _entry))
