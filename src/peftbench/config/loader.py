"""Load a suite (built-in name or YAML path), apply `--set` overrides, check names, expand runs.

Precedence: schema defaults < suite file < command-line overrides, merged deeply.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from peftbench.config.paths import check_plain_name
from peftbench.config.schema import RunSpec, Suite
from peftbench.config.validate import build, deep_merge
from peftbench.errors import UserError, did_you_mean, unknown_name

SUITES_PACKAGE = "peftbench.config.suites"


def builtin_suites() -> dict[str, Path]:
    root = resources.files(SUITES_PACKAGE)
    return {Path(str(p)).stem: Path(str(p)) for p in root.iterdir() if str(p).endswith(".yaml")}


def read_suite_file(name_or_path: str) -> dict[str, Any]:
    suites = builtin_suites()
    path = suites.get(name_or_path) or Path(name_or_path)
    if not path.is_file():
        hint = did_you_mean(name_or_path, suites) or (
            f"built-in suites: {', '.join(sorted(suites))}; or give a path to a YAML file"
        )
        raise UserError(f"no suite named '{name_or_path}' and no such file", hint)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise UserError(f"{path} is not valid YAML{yaml_problem(exc)}", YAML_HINT) from None
    if not isinstance(data, dict):
        raise UserError(
            f"{path} must hold a mapping of settings, got {type(data).__name__}",
            "start from a built-in suite (`peftbench ls suites`); it needs at least models, "
            "methods and datasets",
        )
    data.setdefault("name", path.stem)
    return data


YAML_HINT = (
    "check indentation (spaces, not tabs), colons, quotes and closing brackets on that line or "
    "the line before"
)


def yaml_problem(exc: Exception) -> str:
    """PyYAML's multi-line message as one clause: where, what, and inside what."""
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or (str(exc).strip().splitlines() or [""])[0]
    context = getattr(exc, "context", None)
    return f"{where}: {problem}" + (f" ({context})" if context else "")


def parse_override(text: str) -> dict[str, Any]:
    """`training.max_steps=10` -> {"training": {"max_steps": 10}} (value read as YAML)."""
    if "=" not in text:
        raise UserError(f"override '{text}' is not KEY=VALUE", "e.g. --set training.max_steps=10")
    key, raw = text.split("=", 1)
    try:
        value = yaml.safe_load(raw) if raw else ""
    except yaml.YAMLError:
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
) -> Suite:
    """`layers`: mappings merged over the file before the overrides (e.g. tuned presets)."""
    data = read_suite_file(name_or_path)
    for layer in layers:
        data = deep_merge(data, dict(layer))
    for text in overrides or []:
        data = deep_merge(data, parse_override(text))
    suite = build(Suite, data)
    check_plain_name("name", suite.name)
    check_names(suite)
    return suite


def check_names(suite: Suite) -> None:
    """Every model, method and dataset must exist, and method_params keys must be known."""
    from peftbench.backends import BACKENDS
    from peftbench.datasets import DATASETS
    from peftbench.methods import METHODS
    from peftbench.models.hub import resolve

    for kind, names in (
        ("models", suite.models),
        ("methods", suite.methods),
        ("datasets", suite.datasets),
        ("seeds", suite.seeds),
    ):
        if not names:
            raise UserError(f"the suite lists no {kind}", f"add at least one entry under '{kind}'")
    for model in suite.models:
        resolve(model)
    for dataset in suite.datasets:
        DATASETS.get(dataset)
    if suite.backend not in BACKENDS:
        raise unknown_name("backend", suite.backend, BACKENDS)
    for name in suite.methods:
        METHODS.get(name)
    for name, params in suite.method_params.items():
        method = METHODS.get(name)
        if not isinstance(params, dict):
            raise UserError(f"'method_params.{name}' must be a mapping, got {params!r}")
        for key in params:
            if key not in method.preset and key not in method.extra_keys:
                allowed = sorted([*method.preset, *method.extra_keys])
                hint = did_you_mean(key, allowed) or f"known keys: {', '.join(allowed) or 'none'}"
                raise UserError(f"unknown key '{key}' in 'method_params.{name}'", hint)


def expand(suite: Suite) -> list[RunSpec]:
    """The grid in a stable order: model, dataset, method, seed."""
    from peftbench.methods import METHODS

    runs = []
    for model, dataset, method, seed in itertools.product(
        suite.models, suite.datasets, suite.methods, suite.seeds
    ):
        params = METHODS.get(method).params(suite.method_params.get(method))
        runs.append(
            RunSpec(
                model=model,
                method=method,
                dataset=dataset,
                seed=seed,
                method_params=params,
                training=suite.training,
                evaluation=suite.evaluation,
                measurement=suite.measurement,
                model_options=suite.model_options,
            )
        )
    return runs
