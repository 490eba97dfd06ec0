"""Load a suite (built-in name or YAML path), apply `--set` overrides, check names, expand runs.

Precedence: schema defaults < suite file < command-line overrides, merged deeply.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from peftbench.config.checks import check_param
from peftbench.config.schema import RunSpec, SelectionSettings, Suite
from peftbench.config.validate import build, deep_merge
from peftbench.config.yaml_file import loads, read_yaml
from peftbench.errors import UserError, did_you_mean

SUITES_PACKAGE = "peftbench.config.suites"


def builtin_suites() -> dict[str, Path]:
    root = resources.files(SUITES_PACKAGE)
    return {Path(str(p)).stem: Path(str(p)) for p in root.iterdir() if str(p).endswith(".yaml")}


def suite_file(name_or_path: str) -> Path:
    """The YAML file of a built-in suite name or a path."""
    suites = builtin_suites()
    path = suites.get(name_or_path) or Path(name_or_path)
    if not path.exists():
        hint = did_you_mean(name_or_path, suites) or (
            f"built-in suites: {', '.join(sorted(suites))}; or give a path to a YAML file"
        )
        raise UserError(f"no suite named '{name_or_path}' and no such file", hint)
    return path


def read_suite_file(name_or_path: str) -> dict[str, Any]:
    path = suite_file(name_or_path)
    data = read_yaml(path, "suite file")
    if not isinstance(data, dict):
        raise UserError(
            f"{path} must hold a mapping of settings, got {type(data).__name__}",
            "start from a built-in suite (`peftbench ls suites`); it needs at least models, "
            "methods and datasets",
        )
    data.setdefault("name", path.stem)
    return data


def parse_override(text: str) -> dict[str, Any]:
    """`training.max_steps=10` -> {"training": {"max_steps": 10}} (value read as YAML)."""
    if "=" not in text:
        raise UserError(f"override '{text}' is not KEY=VALUE", "e.g. --set training.max_steps=10")
    key, raw = text.split("=", 1)
    try:
        value = loads(raw) if raw else ""
    except (yaml.YAMLError, TypeError):  # not YAML (TypeError: unhashable key): keep the text
        value = raw
    out: dict[str, Any] = {}
    node = out
    parts = key.strip().split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


def load_suite(
    name_or_path: str,
    overrides: list[str] | None = None,
    layers: Sequence[Mapping[str, Any]] = (),
    tasks: Sequence[Path] = (),
) -> Suite:
    """`layers`: mappings merged over the file before the overrides (e.g. tuned presets).
    `tasks`: folders of declared datasets (`--tasks DIR`), added to the suite's `dataset_defs`;
    relative data paths in a suite are relative to the suite file."""
    from peftbench.datasets.declared import check_data, resolve_all

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
    from peftbench.datasets import DATASETS
    from peftbench.datasets.declared import register_all
    from peftbench.methods import METHODS
    from peftbench.methods.base import TRAINING_OVERRIDES
    from peftbench.models.hub import resolve

    register_all(suite.dataset_defs)
    for model in suite.models:
        resolve(model)
    for dataset in (*suite.datasets, *(suite.stability.tasks or ())):
        DATASETS.get(dataset)
    for name in suite.methods:
        METHODS.get(name)
    from peftbench.methods._checks import check_known_keys

    for name, params in suite.method_params.items():
        method = METHODS.get(name)
        if not isinstance(params, dict):
            raise UserError(f"'method_params.{name}' must be a mapping, got {params!r}")
        check_known_keys(method, params, f"method_params.{name}", TRAINING_OVERRIDES)


def checked_method_params(suite: Suite) -> Suite:
    """`suite` with each method_params value checked against the type and sign of the preset's
    default (and numbers written as text, e.g. YAML's `5e-5`, read as numbers), then by the
    method's own checks (methods/_checks.py)."""
    from peftbench.methods import METHODS
    from peftbench.methods._checks import run_method_check

    params = {
        name: {
            key: check_param(
                f"method_params.{name}.{key}", value, METHODS.get(name).preset.get(key)
            )
            for key, value in values.items()
        }
        for name, values in suite.method_params.items()
    }
    from peftbench.methods.base import TRAINING_OVERRIDES

    for name, values in params.items():
        method_only = {k: v for k, v in values.items() if k not in TRAINING_OVERRIDES}
        run_method_check(METHODS.get(name), method_only, f"method_params.{name}")
    return dataclasses.replace(suite, method_params=params)


def method_params_of(suite: Suite, method: str) -> dict[str, Any]:
    """What `method` is built with in `suite`: its preset with the suite's method_params, less
    the per-method training settings (val_fraction), which go to the run's training settings."""
    from peftbench.methods import METHODS
    from peftbench.methods.base import TRAINING_OVERRIDES

    overrides = dict(suite.method_params.get(method) or {})
    return METHODS.get(method).params(
        {k: v for k, v in overrides.items() if k not in TRAINING_OVERRIDES}
    )


def expand(suite: Suite) -> list[RunSpec]:
    """The grid in a stable order: model, dataset, method, seed."""
    from peftbench.datasets.declared import register_all
    from peftbench.methods import METHODS
    from peftbench.methods.base import TRAINING_OVERRIDES

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
