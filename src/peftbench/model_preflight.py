"""Checks of a suite's models that need no weights: hub ids, GGUF files, and the model's config
(positions, module names) against the settings that depend on them.

Each of these failed only inside every run before (after the model was downloaded or loaded):
a malformed hub id, a `.gguf` file with the right magic and garbage after it, `target_modules`
naming a module the model does not have, `max_new_tokens` beyond the positions the model has.
The config is read only where it is at hand without loading anything: a local folder's
config.json, a GGUF file's header, a shipped config, a model built in code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from peftbench.efficiency.meta import meta_model, shipped_configs
from peftbench.errors import UserError, did_you_mean
from peftbench.models.gguf import local_file
from peftbench.models.hub import PAPER_MODELS
from peftbench.models.hub import resolve as resolve_model
from peftbench.models.targets import ROLES

# The hub's repository ids: "name" or "owner/name", letters, digits, '-', '_', '.', at most 96
# characters, no '--' or '..' and not starting or ending with '-' or '.'.
HUB_ID = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9._-]*/)?[A-Za-z0-9][A-Za-z0-9._-]*$")
HUB_ID_MAX = 96
POSITION_KEYS = ("max_position_embeddings", "n_positions", "n_ctx")


def check_hub_id(name: str) -> None:
    """`hf:<id>` must name a hub repository, not a path (`hf:../../etc/passwd`) or nothing."""
    hub_id = name.removeprefix("hf:")
    parts_ok = all(not p.endswith((".", "-")) for p in hub_id.split("/"))
    if (
        HUB_ID.match(hub_id)
        and parts_ok
        and len(hub_id) <= HUB_ID_MAX
        and ".." not in hub_id
        and "--" not in hub_id
    ):
        return
    raise UserError(
        f"model '{name}' is not a hub model id (the hub's ids are 'name' or 'owner/name': "
        f"letters, digits, '-', '_', '.', at most {HUB_ID_MAX} characters, no '..')",
        "e.g. hf:HuggingFaceTB/SmolLM2-135M-Instruct; a local folder is given without 'hf:'",
    )


def gguf_config(name: str) -> dict[str, object]:
    """The config facts a GGUF file's header holds (model type, context length); a file that is
    not a readable GGUF (the magic and then garbage) is a UserError here, not inside a run."""

    path = local_file(name)
    try:
        from gguf import GGUFReader

        reader = GGUFReader(path)
        arch = str(reader.get_field("general.architecture").contents())  # type: ignore[union-attr]
    except Exception as exc:  # numpy/struct errors on a damaged header; a missing field
        raise UserError(
            f"model '{name}': {path} starts like a GGUF file but cannot be read as one "
            f"({type(exc).__name__}: {str(exc)[:120]})",
            "give a complete .gguf file (llama.cpp's format); re-download it if it was cut off",
        ) from None
    out: dict[str, object] = {"model_type": arch}
    field = reader.get_field(f"{arch}.context_length")
    if field is not None:
        out["max_position_embeddings"] = int(field.contents())
    return out


def model_config(name: str) -> Mapping[str, object] | None:
    """The config of model `name` where it is at hand without loading weights, else None."""

    if name.startswith("gguf:"):
        return gguf_config(name)
    folder = Path(name).expanduser()
    if not name.startswith("hf:") and (folder / "config.json").is_file():
        try:
            return dict(json.loads((folder / "config.json").read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None  # preflight's folder check names this
    hub_id = name[3:] if name.startswith("hf:") else PAPER_MODELS.get(name)
    if hub_id is not None:
        shipped = shipped_configs().get(hub_id)
        return dict(json.loads(shipped.read_text(encoding="utf-8"))) if shipped else None
    spec = resolve_model(name)
    return dict(spec.config()) if spec.config is not None else None


def positions(config: Mapping[str, object]) -> int | None:
    for key in POSITION_KEYS:
        value = config.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    text = config.get("text_config")
    return positions(text) if isinstance(text, Mapping) else None


def check_new_tokens(name: str, config: Mapping[str, object], wanted: Iterable[tuple[str, int]]):
    """Each (key, tokens) to generate must fit the model's positions (with a prompt token)."""
    limit = positions(config)
    if limit is None:
        return
    for key, tokens in wanted:
        if tokens >= limit:
            raise UserError(
                f"'{key}' is {tokens:,}, but model '{name}' has {limit:,} positions: the prompt "
                "and the answer must fit them",
                f"set {key} below {limit:,} (an answer needs far fewer tokens)",
            )


def module_names(config: Mapping[str, object]) -> set[str] | None:
    """Every module name of the architecture (built on the meta device: no weights), or None
    when transformers cannot build it from the config alone."""

    try:
        model = meta_model(config)
    except Exception:  # an architecture transformers does not know: the run says so
        return None
    return {n for n, _ in model.named_modules() if n}


def check_targets(model: str, config: Mapping[str, object], targets: dict[str, list[str]]) -> None:
    """`targets`: method -> the target_modules it names that are not roles. Each must be a
    module of the model (its full name, or the last parts of one, as peft matches them)."""
    wanted = {m: names for m, names in targets.items() if names}
    if not wanted:
        return
    modules = module_names(config)
    if modules is None:
        return
    leaves = sorted({n.rsplit(".", 1)[-1] for n in modules} - {str(i) for i in range(1000)})
    for method, names in wanted.items():
        for target in names:
            if any(n == target or n.endswith("." + target) for n in modules):
                continue

            raise UserError(
                f"'method_params.{method}.target_modules' names '{target}', which model "
                f"'{model}' has no module called. Its module names: {', '.join(leaves)}; or a "
                f"role: {', '.join(ROLES)}",
                did_you_mean(target, [*leaves, *ROLES]) or "use a role or a name from that list",
            )
