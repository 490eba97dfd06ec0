"""Tuned learning rates: the presets.yaml that `peftbench tune` writes and `run --presets` reads.

The file is a suite fragment holding only `method_params`, so it can also be pasted into a suite
file. It is merged over the suite file and under `--set`, and its keys are checked like a
suite's (unknown methods or keys fail with a "did you mean").
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from peftbench.errors import UserError
from peftbench.results.atomic import write_text


def write_presets(
    path: Path, params: Mapping[str, Mapping[str, object]], header: list[str]
) -> Path:
    lines = [f"# {line}" for line in header]
    body = yaml.safe_dump({"method_params": params}, sort_keys=True, default_flow_style=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, "\n".join([*lines, body]))
    return path


def read_presets(path: Path) -> dict[str, object]:
    """{"method_params": {...}} from a presets file, or a UserError naming what is wrong."""
    from peftbench.config.yaml_file import read_yaml

    data = read_yaml(Path(path), "presets file")
    if not isinstance(data, dict) or set(data) != {"method_params"}:
        found = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise UserError(
            f"presets file '{path}' must hold exactly one key, 'method_params', found {found}",
            "e.g. `method_params: {lora: {learning_rate: 0.002}}`",
        )
    if not isinstance(data["method_params"], dict):
        raise UserError(f"'method_params' in '{path}' must be a mapping of method -> settings")
    return data
