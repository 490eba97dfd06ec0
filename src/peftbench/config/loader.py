"""Read a suite's settings: the built-in suite names, the suite file, `--set` overrides.

This is settings only: it knows no model, method or dataset. Checking the names against the
registries and expanding the grid is `peftbench.suite` (one layer up), which calls these.
Precedence: schema defaults < suite file < command-line overrides, merged deeply.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

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


def read_suite_file(name_or_path: str) -> dict[str, object]:
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


def parse_override(text: str) -> dict[str, object]:
    """`training.max_steps=10` -> {"training": {"max_steps": 10}} (value read as YAML)."""
    if "=" not in text:
        raise UserError(f"override '{text}' is not KEY=VALUE", "e.g. --set training.max_steps=10")
    key, raw = text.split("=", 1)
    try:
        value = loads(raw) if raw else ""
    except (yaml.YAMLError, TypeError):  # not YAML (TypeError: unhashable key): keep the text
        value = raw
    parts = key.strip().split(".")
    out: dict[str, object] = {parts[-1]: value}
    for part in reversed(parts[:-1]):  # innermost first: a.b=1 -> {a: {b: 1}}
        out = {part: out}
    return out
