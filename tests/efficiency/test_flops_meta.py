"""Forward FLOPs on the meta device (`ls methods --flops --model`) against closed forms.

Convention (efficiency/flops.py, docs/measurements.md): only matrix products and attention are
counted, a multiply-add is 2 FLOPs. A forward pass of batch 1 over s tokens of a Llama-shaped
model (hidden h, intermediate f, L layers, query heads x head width = h, key/value width kv,
vocabulary V, untied LM head) costs

    2 s (L (2 h^2 + 2 h kv + 3 h f) + h V)      q, o (h x h); k, v (h x kv); gate, up, down; head
  + L * 2 * (2 s k h)                           q @ k^T and scores @ v over k keys per query

with k = s (causal masking not subtracted, as torch counts the attention kernels). Embedding
lookups, norms, activations, softmax and rotary embeddings are not counted. Each method's extra
cost, under the `paper` suite's configuration (PAPER.md), derived here from these numbers:

- LoRA r on k_proj, v_proj, down_proj: 2 s r (d_in + d_out) per adapted module;
- IA3, LN tuning, BitFit: elementwise only (a scale, a norm weight, a bias): 0 counted;
- prompt tuning / P-tuning deployed (100 virtual tokens): the model over s + 100 positions (the
  LM head too: peft returns logits for every position); P-tuning's encoder is not deployed;
- prefix tuning deployed (32 virtual tokens): attention over s + 32 keys; no projection MLP;
- Houlsby bottleneck (default suite's `adapter`, reduction 16, after o_proj and down_proj):
  2 s (h b + b h) per placement, b = h / 16.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

from peftbench.cli import main
from peftbench.efficiency.flops import forward_flops
from peftbench.efficiency.forms import deployed
from peftbench.efficiency.meta import base_flops, config_dict, flops_method
from peftbench.efficiency.params import save_adapter
from peftbench.methods import METHODS, Method
from peftbench.models.tiny import build_tiny
from peftbench.suite import load_suite, method_params_of

SMALL = Path(__file__).parent.parent / "data" / "flops" / "small-llama.json"
S = 64  # tokens of the counted pass in the small-shape tests
R, PROMPT, PREFIX, REDUCTION = 16, 100, 32, 16  # LoRA rank, virtual tokens, bottleneck factor


def shape(config: dict[str, Any]) -> tuple[int, int, int, int, int]:
    """(h, f, L, kv, V) of a Llama config."""
    h, heads = config["hidden_size"], config["num_attention_heads"]
    kv = config["num_key_value_heads"] * (h // heads)
    return h, config["intermediate_size"], config["num_hidden_layers"], kv, config["vocab_size"]


def base_rule(config: dict[str, Any], s: int, keys: int | None = None) -> int:
    h, f, n, kv, v = shape(config)
    products = n * (2 * h * h + 2 * h * kv + 3 * h * f) + h * v
    keys = s if keys is None else keys
    return 2 * s * products + n * 2 * (2 * s * keys * h)


def extra_rule(name: str, config: dict[str, Any], s: int) -> int:
    """The closed form of each method's extra forward FLOPs over the base (module docstring)."""
    h, f, n, kv, _ = shape(config)
    b = h // REDUCTION
    rules = {
        "frozen": 0,
        "lora": n * 2 * s * R * ((h + kv) + (h + kv) + (f + h)),
        "ia3": 0,
        "lntuning": 0,
        "bitfit": 0,
        "prompt_tuning": base_rule(config, s + PROMPT) - base_rule(config, s),
        "ptuning": base_rule(config, s + PROMPT) - base_rule(config, s),
        "prefix_tuning": base_rule(config, s, keys=s + PREFIX) - base_rule(config, s),
        "adapter": n * 2 * (2 * s * (h * b + b * h)),
    }
    return rules[name]


def _params(name: str) -> dict[str, Any]:
    """The paper suite's configuration; `frozen` and `adapter` (default suite) their presets."""
    suite = load_suite("paper")
    method = METHODS.get(name)
    return method_params_of(suite, name) if name in suite.methods else method.params()


@pytest.fixture(scope="module")
def small() -> dict[str, Any]:
    return config_dict(str(SMALL))


def test_base_closed_form_on_small_shape(small: dict[str, Any]) -> None:
    for s in (S, 512):
        assert base_flops(small, s) == base_rule(small, s)


def test_base_closed_form_on_llama_3_8b() -> None:
    config = config_dict("hf:meta-llama/Meta-Llama-3-8B-Instruct")
    assert base_flops(config, 512) == base_rule(config, 512) == 7_822_209_187_840


METHODS_CHECKED = [*load_suite("paper").methods, "frozen", "adapter"]


@pytest.mark.parametrize("name", METHODS_CHECKED)
def test_each_method_extra_matches_its_closed_form(name: str, small: dict[str, Any]) -> None:
    base = base_rule(small, S)
    counts = flops_method(METHODS.get(name), _params(name), small, S, base)
    assert counts.extra == extra_rule(name, small, S)


@pytest.mark.parametrize("name", ["prefix_tuning", "ptuning", "prompt_tuning", "lora"])
def test_meta_deployed_form_counts_as_the_real_saved_adapter(name: str, tmp_path: Path) -> None:
    """The meta construction of the deployed form (no saving possible) costs what the real
    saved-and-reloaded adapter costs on the tiny Llama."""
    loaded = build_tiny("llama")
    config = loaded.model.config.to_dict()
    vocab = config["vocab_size"]
    method = METHODS.get(name)
    params = _params(name)
    torch.manual_seed(0)
    real = method.build(loaded.model, loaded, Method.build_params(params))
    save_adapter(real, tmp_path)
    reload = lambda base, folder: method.load_saved(base, loaded, folder)  # noqa: E731
    with deployed(real, tmp_path, reload) as (form, _):
        expected = forward_flops(form, 32, vocab)
    base = base_flops(config, 32)
    assert flops_method(method, params, config, 32, base).deployed == expected


def test_ls_flops_prints_the_closed_forms(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["ls", "methods", "--flops", "--model", str(SMALL), "--suite", "paper"]
    assert main([*args, "--tokens", str(S)]) == 0
    out = capsys.readouterr().out
    config = json.loads(SMALL.read_text())
    assert f"batch 1 x {S} tokens" in out
    base = base_rule(config, S)
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert rows["(base"][2] == f"{base:,}"
    for name in load_suite("paper").methods:
        extra = extra_rule(name, config, S)
        assert rows[name][1:3] == [f"{base + extra:,}", f"{extra:,}"], name


def test_ls_flops_needs_a_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ls", "methods", "--flops"]) == 2
    assert "--flops counts on a model's architecture" in capsys.readouterr().err
    assert main(["ls", "methods", "--flops", "--model", str(SMALL), "--tokens", "0"]) == 2
    assert "--tokens is 0" in capsys.readouterr().err
