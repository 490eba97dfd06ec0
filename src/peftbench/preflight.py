"""Checks that fail fast, before anything starts, on input that would fail every run.

An error inside a run is recorded as a failed run and the grid goes on: right for a run that
diverges or runs out of memory, wrong for a missing model folder or data folder, which would fail
every run the same way after minutes of set-up. Those are caught here (cheap checks, no torch),
and `prepare` catches missing or empty dataset files, so the command exits with code 2 and one
paragraph naming the cause and the fix. Resource requests are checked by the backend that places
runs (Ray), once it can see the cluster.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from peftbench.backends import BACKENDS
from peftbench.config.schema import Suite
from peftbench.datasets import DATASETS
from peftbench.errors import UserError
from peftbench.model_preflight import check_hub_id, check_new_tokens, check_targets, model_config
from peftbench.models.targets import ROLES

if TYPE_CHECKING:  # annotations only
    from peftbench.datasets.base import DatasetSpec, Example, LoadContext

UNSAFE_WEIGHTS = ("*.bin", "*.pt", "*.pth", "*.ckpt", "*.pkl")


def check_model_folder(folder: Path) -> None:
    """A local model folder must hold a readable config.json and safetensors weights.

    Pickle-based weight files (.bin, .pt) can run arbitrary code when loaded, so peftbench reads
    safetensors only; a folder that has nothing else is refused with the conversion as the fix.
    """
    config = folder / "config.json"
    if not config.is_file():
        raise UserError(
            f"model folder '{folder}' has no config.json, so it is not a saved transformers model",
            "point to the folder written by `model.save_pretrained(...)` (config.json, "
            "*.safetensors, tokenizer files)",
        )
    try:
        json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(
            f"model folder '{folder}': config.json is not valid JSON ({exc})",
            "re-save the model with `model.save_pretrained(...)`",
        ) from None
    if any(folder.glob("*.safetensors")):
        return
    unsafe = sorted(p.name for pattern in UNSAFE_WEIGHTS for p in folder.glob(pattern))
    found = f"only {', '.join(unsafe[:4])}" if unsafe else "no weight files"
    raise UserError(
        f"model folder '{folder}' has no *.safetensors weights ({found}); peftbench loads "
        "weights from safetensors only, because pickle-based files can run code when loaded",
        "convert it once where you trust the files: `AutoModelForCausalLM.from_pretrained(DIR)"
        ".save_pretrained(DIR, safe_serialization=True)`",
    )


def check_data_dir(data_dir: Path | None) -> None:
    if data_dir is not None and not Path(data_dir).is_dir():
        raise UserError(
            f"--data-dir '{data_dir}' does not exist or is not a folder",
            "give the folder that holds the local dataset files, or leave --data-dir out to use "
            "the built-in sources",
        )


def preflight(suite: Suite, data_dir: Path | None = None, backend: bool = True) -> None:
    """Everything checkable without loading a model: data folder, local model folders, hub ids,
    GGUF headers, each model's config against the settings that depend on it,
    (`backend`) the execution backend's library, and the libraries of the trackers in
    `report_to`."""

    check_data_dir(data_dir)
    for name in suite.models:
        if name.startswith("hf:"):
            check_hub_id(name)
        elif Path(name).is_dir():
            check_model_folder(Path(name))
        check_against_config(suite, name)
    check = getattr(BACKENDS[suite.backend], "preflight", None)
    if backend and check is not None:
        check()
    if suite.report_to:
        from peftbench.trackers import check_installed

        check_installed(suite.report_to)


def check_against_config(suite: Suite, name: str) -> None:
    """Generation budgets and explicit target modules against model `name`'s config, where the
    config is at hand (model_preflight.model_config)."""
    from peftbench.suite import method_params_of

    config = model_config(name)
    if config is None:
        return
    wanted = []
    if suite.evaluation.max_new_tokens is not None:
        wanted.append(("evaluation.max_new_tokens", suite.evaluation.max_new_tokens))
    else:
        for dataset in suite.datasets:
            tokens = DATASETS.get(dataset).max_new_tokens
            wanted.append((f"max_new_tokens of dataset '{dataset}'", tokens))
    check_new_tokens(name, config, wanted)
    targets = {}
    for method in suite.methods:
        names = method_params_of(suite, method).get("target_modules")
        if isinstance(names, (list, tuple)):
            targets[method] = [str(t) for t in names if t not in ROLES]
    check_targets(name, config, targets)


def load_split(dataset: DatasetSpec, split: str, ctx: LoadContext) -> list[Example]:
    """Load one split for `prepare`, turning a missing file or an empty split into a UserError
    (inside a run they would only fail that run, after the model was loaded)."""
    try:
        rows = dataset.load(split, ctx)
    except FileNotFoundError as exc:
        raise UserError(
            f"dataset '{dataset.name}' (split '{split}'): file not found: {exc.filename or exc}",
            "put the file there, or pass --data-dir with the folder that holds it "
            "(`peftbench ls datasets` shows where each dataset's data comes from)",
        ) from None
    if not rows:
        raise UserError(
            f"dataset '{dataset.name}' has no examples in split '{split}'",
            "check that its data file is not empty and has the expected fields, or drop the "
            "dataset from the suite",
        )
    return rows
