"""A suite as the building blocks see it: loaded with every name checked against the registries
(models, methods, datasets, declared datasets), each method's parameters checked, and expanded
into the grid's `RunSpec`s.

The layer above `config/` (plain settings, which knows no registry) and below the runners
(`grid`, `tuning`, `preflight`, the CLI), so `config/` never imports the building blocks.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path

from peftbench.config.checks import check_param
from peftbench.config.loader import parse_override, read_suite_file, suite_file
from peftbench.config.schema import RunSpec, SelectionSettings, Suite
from peftbench.config.validate import build, deep_merge
from peftbench.datasets import DATASETS
from peftbench.datasets.declared import check_data, register_all, resolve_all
from peftbench.errors import UserError
from peftbench.methods import METHODS
from peftbench.methods._checks import check_known_keys, run_method_check
from peftbench.methods.base import TRAINING_OVERRIDES
from peftbench.models.hub import resolve


def load_suite(
    name_or_path: str,
    overrides: list[str] | None = None,
    layers: Sequence[Mapping[str, object]] = (),
    tasks: Sequence[Path] = (),
) -> Suite:
    """`layers`: mappings merged over the file before the overrides (e.g. tuned presets).
    `tasks`: folders of declared datasets (`--tasks DIR`), added to the suite's `dataset_defs`;
    relative data paths in a suite are relative to the suite file."""
    data = read_suite_file(name_or_path)
    for layer in layers:
        data = deep_merge(data, dict(layer))
    for text in overrides or []:
        data = deep_merge(data, parse_override(text))
    path = suite_file(name_or_path)
    data["dataset_defs"] = resolve_all(data.get("dataset_defs"), path.parent, tasks, str(path))
    suite = build(Suite, data)
    check_names(suite)
    suite = checked_method_params(suite)
    check_data(suite.dataset_defs)
    return suite


def check_names(suite: Suite) -> None:
    """Every model, method and dataset must exist, and method_params keys must be known."""
    register_all(suite.dataset_defs)
    for model in suite.models:
        resolve(model)
    for dataset in (*suite.datasets, *(suite.stability.tasks or ())):
        DATASETS.get(dataset)
    for name in suite.methods:
        METHODS.get(name)
    for name, params in suite.method_params.items():
        method = METHODS.get(name)
        if not isinstance(params, dict):
            raise UserError(f"'method_params.{name}' must be a mapping, got {params!r}")
        check_known_keys(method, params, f"method_params.{name}", TRAINING_OVERRIDES)


def checked_method_params(suite: Suite) -> Suite:
    """`suite` with each method_params value checked against the type and sign of the preset's
    default (and numbers written as text, e.g. YAML's `5e-5`, read as numbers), then by the
    method's own checks (methods/_checks.py)."""
    params = {
        name: {
            key: check_param(
                f"method_params.{name}.{key}", value, METHODS.get(name).preset.get(key)
            )
            for key, value in values.items()
        }
        for name, values in suite.method_params.items()
    }
    for name, values in params.items():
        method_only = {k: v for k, v in values.items() if k not in TRAINING_OVERRIDES}
        run_method_check(METHODS.get(name), method_only, f"method_params.{name}")
    return dataclasses.replace(suite, method_params=params)


def method_params_of(suite: Suite, method: str) -> dict[str, object]:
    """What `method` is built with in `suite`: its preset with the suite's method_params, less
    the per-method training settings (val_fraction), which go to the run's training settings."""
    overrides = dict(suite.method_params.get(method) or {})
    return METHODS.get(method).params(
        {k: v for k, v in overrides.items() if k not in TRAINING_OVERRIDES}
    )


def expand(suite: Suite) -> list[RunSpec]:
    """The grid in a stable order: model, dataset, method, seed."""
    register_all(suite.dataset_defs)  # a saved suite read back (reports) declares them here
    runs = []
    for model, dataset, method, seed in itertools.product(
        suite.models, suite.datasets, suite.methods, suite.seeds
    ):
        overrides = dict(suite.method_params.get(method) or {})
        own = {k: overrides.pop(k) for k in TRAINING_OVERRIDES if k in overrides}
        entry = METHODS.get(method)
        params = entry.params(overrides)
        stability = suite.stability.for_dataset(dataset, suite.datasets)
        used = (dataset, *(stability.tasks or ()))
        runs.append(
            RunSpec(
                model=model,
                method=method,
                dataset=dataset,
                seed=seed,
                method_params=params,
                training=dataclasses.replace(suite.training, **own) if own else suite.training,
                evaluation=suite.evaluation,
                measurement=suite.measurement,
                model_options=suite.model_options,
                stability=stability,
                dataset_defs={d: suite.dataset_defs[d] for d in used if d in suite.dataset_defs},
                selection=selection_of(suite, entry.trains),
            )
        )
    return runs


def selection_of(suite: Suite, trains: bool) -> SelectionSettings | None:
    """A cell's learning-rate selection, its trial seed resolved (the suite's first seed unless
    set); None when the suite does not search or the method does not train."""
    chosen = suite.selection
    if chosen.trials == 0 or not trains:
        return None
    seed = suite.seeds[0] if chosen.seed is None else chosen.seed
    return dataclasses.replace(chosen, seed=seed)
