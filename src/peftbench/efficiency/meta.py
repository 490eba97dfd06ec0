"""Parameter counts of a method on a real architecture, with no weights (the meta device).

`peftbench ls methods --params --model M` builds M's architecture from its config on torch's
meta device (shapes only, no memory, no download of weights), wraps it with each method's preset
(or a suite's), and counts, with the definitions of efficiency/params.py:

- trainable: unique parameters with requires_grad after the method wrapped the model;
- stored: elements of the tensors the saved adapter holds (peft's adapter state dict; for
  prompt-learning methods the encoded virtual tokens, not the encoder);
- inference: parameters the deployed model adds to the base (efficiency/forms.py): the stored
  prompt for prompt-learning methods, else everything the wrapped model holds beyond the base
  (unmerged; a merged LoRA/IA3/LN tuning adds nothing, a merged BitFit keeps its new biases).

`peftbench ls methods --flops --model M` counts, on the same meta models, the forward FLOPs of
batch 1 x `tokens` tokens (efficiency/flops.py's rules) of the base and of each method's
deployed form: the wrapped model itself for injected adapters (unmerged), and for prompt-learning
methods what `PeftModel.from_pretrained` builds from a saved adapter (its config with
`inference_mode`: the virtual tokens as saved, the encoder that produced them gone).

M is a config.json file (or a folder holding one), `hf:<hub id>` or a registered model name.
Configs of the paper's models ship in peftbench/models/configs (no hub access needed); any
other hub id is fetched (config only) through transformers.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from peftbench.efficiency.flops import forward_flops
from peftbench.efficiency.params import count_parameters
from peftbench.errors import UserError, did_you_mean
from peftbench.json_types import JSONObject
from peftbench.methods.base import Method
from peftbench.models.base import LoadedModel
from peftbench.models.hub import PAPER_MODELS

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from peft import PeftConfig
    from torch import Tensor
    from torch.nn import Module

CONFIGS_FOLDER = "configs"  # in the peftbench.models package (package data)


@dataclass(frozen=True)
class ParamCounts:
    base: int
    trainable: int
    stored: int
    inference: int


def shipped_configs() -> dict[str, Path]:
    """hub id -> shipped config.json (file name: the hub id with '/' written as '--')."""
    root = resources.files("peftbench.models") / CONFIGS_FOLDER
    return {
        Path(str(p)).stem.replace("--", "/"): Path(str(p))
        for p in root.iterdir()
        if str(p).endswith(".json")
    }


def _hub_id(ref: str) -> str | None:
    if ref.startswith("hf:"):
        return ref[3:]

    return PAPER_MODELS.get(ref)


def config_dict(ref: str) -> JSONObject:
    """The config of `ref` as a dict (see the module docstring for what `ref` may be), its
    model_type checked against transformers' list before any method is built on it."""
    config = _read_config(ref)
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    model_type = config.get("model_type")
    if model_type not in CONFIG_MAPPING_NAMES:
        raise UserError(
            f"--model '{ref}': the config's model_type is {model_type!r}, which transformers "
            "does not know, so its architecture cannot be built",
            did_you_mean(str(model_type), CONFIG_MAPPING_NAMES)
            or "pass the config.json of a model transformers supports (e.g. llama, qwen2, gpt2)",
        )
    check_sizes(ref, config)
    return config


# Bounds of the sizes an architecture is built from, well above any released LLM (Llama 3.1
# 405B: 126 layers, hidden 16,384; Gemma 3: vocabulary 262,144): a config beyond them would make
# the meta-device build of every method run for minutes (an absurd config is an input error).
SIZE_LIMITS = {
    "num_hidden_layers": 512,
    "n_layer": 512,
    "hidden_size": 65_536,
    "n_embd": 65_536,
    "intermediate_size": 524_288,
    "vocab_size": 4_194_304,
    "num_attention_heads": 1_024,
    "num_key_value_heads": 1_024,
    "max_position_embeddings": 16_777_216,
}


def check_sizes(ref: str, config: Mapping[str, object]) -> None:
    """Refuse (exit 2, naming the key, its value and the allowed range) a size that is not a
    positive whole number or lies beyond `SIZE_LIMITS`."""
    for key, limit in SIZE_LIMITS.items():
        value = config.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
            raise UserError(
                f"--model '{ref}': the config's {key} is {value!r}",
                f"it must be a whole number from 1 to {limit:,} (larger than any released LLM)",
            )


def _read_config(ref: str) -> JSONObject:
    path = Path(ref).expanduser()
    if path.is_dir():
        path = path / "config.json"
    if path.is_file():
        try:
            return dict(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, OSError) as exc:
            raise UserError(f"could not read model config {path}: {exc}") from exc
    hub_id = _hub_id(ref)
    shipped = shipped_configs()
    if hub_id in shipped:
        return dict(json.loads(shipped[hub_id].read_text(encoding="utf-8")))
    if hub_id is None:
        raise UserError(
            f"--model '{ref}' is not a config.json file, a folder holding one, 'hf:<hub id>' "
            "or a paper model name",
            f"configs shipped with peftbench: {', '.join('hf:' + h for h in sorted(shipped))}",
        )
    try:
        from transformers import AutoConfig

        return AutoConfig.from_pretrained(hub_id).to_dict()
    except OSError as exc:
        raise UserError(
            f"no config for '{hub_id}': not shipped with peftbench and the hub is not reachable "
            f"({str(exc).splitlines()[0]})",
            "download its config.json and pass the file: --model path/to/config.json",
        ) from exc


def meta_model(config: Mapping[str, object]) -> Module:
    """The causal LM of `config`, built on the meta device (no weights allocated)."""
    return model_from_config(config, "meta")


def model_from_config(
    config: Mapping[str, object], device: str, dtype: str | None = None
) -> Module:
    """The causal LM of `config` built directly on `device`, randomly initialised (the meta
    device: shapes only). `dtype` (e.g. "bfloat16"): the weights' type; None: the config's.
    The GPU acceptance benchmark builds its models this way: no weights to download, and the
    random initialisation follows torch's seed."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    data = {k: v for k, v in config.items() if not k.startswith("_")}
    model_type = data.pop("model_type", None)
    if model_type is None:
        raise UserError("the model config has no 'model_type'", "pass the model's config.json")
    cfg = AutoConfig.for_model(model_type, **data)
    kwargs = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    with torch.device(device):
        return AutoModelForCausalLM.from_config(cfg, **kwargs)


def _numel(tensors: Iterable[Tensor]) -> int:
    return sum(t.numel() for t in tensors)


def _build_on_meta(method: Method, params: Mapping[str, object], model: Module) -> Module:
    """`method` with `params` wrapped around the meta model `model` (seeded, as a run is)."""
    import torch

    loaded = LoadedModel("meta", model, None, model.config.model_type, {})
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return method.build(model, loaded, Method.build_params(dict(params)))


def count_method(
    method: Method, params: Mapping[str, object], config: Mapping[str, object]
) -> ParamCounts:
    """Build `method` with `params` on a fresh meta model of `config` and count (see above)."""
    from peft.utils import get_peft_model_state_dict

    model = meta_model(config)
    _, base = count_parameters(model)
    wrapped = _build_on_meta(method, params, model)
    trainable, total = count_parameters(wrapped)
    if not hasattr(wrapped, "peft_config"):  # no adapter (frozen, full fine-tuning)
        return ParamCounts(base, trainable, 0 if trainable == 0 else trainable, 0)
    if getattr(wrapped.active_peft_config, "is_prompt_learning", False):
        stored = _saved_prompt_size(wrapped)
        return ParamCounts(base, trainable, stored, stored)
    stored = _numel(get_peft_model_state_dict(wrapped).values())
    return ParamCounts(base, trainable, stored, total - base)


def _saved_prompt_size(model: Module) -> int:
    """Elements of the prompt peft saves: the encoder's output for every virtual token.

    peft's own `get_prompt_embedding_to_save` copies the output to the CPU, which a meta tensor
    cannot do, so the encoder runs here on the meta device and only the output's shape is read.
    """
    import torch

    name = model.active_adapter
    config = model.peft_config[name]
    tokens = model.prompt_tokens[name].unsqueeze(0)
    if config.peft_type == "PREFIX_TUNING":
        tokens = tokens[:, : config.num_virtual_tokens]
    with torch.no_grad():
        out = model.prompt_encoder[name](tokens.to("meta"))
    return out[0].numel()


@dataclass(frozen=True)
class FlopCounts:
    """Forward FLOPs of batch 1 x `tokens` tokens: the base and the method's deployed form."""

    tokens: int
    base: int
    deployed: int
    form: str  # which form `deployed` is, in words

    @property
    def extra(self) -> int:
        return self.deployed - self.base


def _vocab_size(config: Mapping[str, object]) -> int:
    """The config's `vocab_size` (a whole number when the config came through `config_dict`,
    whose `check_sizes` refuses any other)."""
    value = config["vocab_size"]
    if not isinstance(value, int | float | str):  # what int() reads
        raise UserError(f"the model config's vocab_size is {value!r}", "it must be a count")
    return int(value)


def base_flops(config: Mapping[str, object], tokens: int) -> int:
    """Forward FLOPs of the bare architecture of `config` (meta device)."""

    return forward_flops(meta_model(config), tokens, _vocab_size(config))


def flops_method(
    method: Method,
    params: Mapping[str, object],
    config: Mapping[str, object],
    tokens: int,
    base: int,
) -> FlopCounts:
    """Forward FLOPs of `method`'s deployed form on `config` (meta); `base`: `base_flops`."""

    wrapped = _build_on_meta(method, params, meta_model(config))
    form, how = _deployed_on_meta(wrapped, config)
    return FlopCounts(tokens, base, forward_flops(form, tokens, _vocab_size(config)), how)


def _deployed_on_meta(wrapped: Module, config: Mapping[str, object]) -> tuple[Module, str]:
    """The model a saved adapter gives (efficiency/forms.py's `deployed`), built without saving:
    a meta tensor cannot be written, so a prompt-learning method's config is re-applied to a
    fresh base with `inference_mode` on, as `PeftModel.from_pretrained` does when it loads."""

    config_of: PeftConfig | None = getattr(wrapped, "active_peft_config", None)
    if config_of is None or not getattr(config_of, "is_prompt_learning", False):
        return wrapped, "trained model (adapter unmerged)"
    from peft import get_peft_model

    saved = copy.copy(config_of)
    saved.inference_mode = True
    return get_peft_model(meta_model(config), saved), "saved virtual tokens (encoder dropped)"
