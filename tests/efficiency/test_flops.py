"""Forward FLOPs against closed forms on the tiny models.

Rule: a forward over T tokens costs 2 x (weights of every matrix product) x T, plus attention:
q@k^T and scores@v, 2 x T x T x (heads x head_dim) each, per layer. Input embeddings are a
lookup (no products); the LM head runs over every position.
"""

from __future__ import annotations

from typing import Any

import pytest

from peftbench.efficiency.flops import forward_flops
from peftbench.efficiency.forms import deployed
from peftbench.efficiency.params import save_adapter
from peftbench.methods import METHODS, Method
from peftbench.models.tiny import build_tiny


def llama_rule(cfg: Any, vocab: int, tokens: int, keys: int | None = None) -> int:
    """Closed form for the tiny Llama: `keys` attended per query (default: the T tokens)."""
    h, f, n = cfg.hidden_size, cfg.intermediate_size, cfg.num_hidden_layers
    kv = cfg.num_key_value_heads * (h // cfg.num_attention_heads)
    per_layer = h * h + 2 * h * kv + h * h + 3 * h * f  # q, k+v, o, gate/up/down
    matmul_weights = n * per_layer + h * vocab  # + LM head (embeddings are not products)
    keys = tokens if keys is None else keys
    attention = n * 2 * (2 * tokens * keys * h)  # q@k^T and scores@v
    return 2 * matmul_weights * tokens + attention


def _tiny(arch: str = "llama") -> tuple[Any, Any, int]:
    loaded = build_tiny(arch)
    return loaded, loaded.model.config, loaded.model.get_input_embeddings().weight.shape[0]


@pytest.mark.parametrize("tokens", [16, 64])
def test_base_matches_two_params_tokens_plus_attention(tokens: int) -> None:
    loaded, cfg, vocab = _tiny()
    assert forward_flops(loaded.model, tokens, vocab) == llama_rule(cfg, vocab, tokens)


def test_attention_is_counted_on_cpu() -> None:
    """Without the sdpa entry torch counts zero attention FLOPs on CPU (it did, before)."""
    loaded, cfg, vocab = _tiny()
    t = 64
    linear_only = llama_rule(cfg, vocab, t) - cfg.num_hidden_layers * 4 * t * t * cfg.hidden_size
    assert forward_flops(loaded.model, t, vocab) > linear_only


def test_gpt2_counts_its_conv1d_projections() -> None:
    loaded, cfg, vocab = _tiny("gpt2")
    h, n, t = cfg.n_embd, cfg.n_layer, 32
    weights = n * (3 * h * h + h * h + 2 * h * 4 * h) + h * vocab
    assert forward_flops(loaded.model, t, vocab) == 2 * weights * t + n * 4 * t * t * h


def test_prompt_tuning_100_virtual_tokens_add_a_longer_sequence() -> None:
    loaded, cfg, vocab = _tiny()
    spec = METHODS.get("prompt_tuning")
    model = spec.build(loaded.model, loaded, Method.build_params(spec.params()))
    assert model.active_peft_config.num_virtual_tokens == 100
    t = 32
    extra = forward_flops(model, t, vocab) - llama_rule(cfg, vocab, t)
    # the base model simply runs over 100 + T positions (embedding lookup: no products)
    assert extra == llama_rule(cfg, vocab, t + 100) - llama_rule(cfg, vocab, t)


def test_deployed_prefix_tuning_pays_attention_not_its_projection(tmp_path: Any) -> None:
    loaded, cfg, vocab = _tiny()
    spec = METHODS.get("prefix_tuning")
    model = spec.build(loaded.model, loaded, Method.build_params(spec.params()))
    save_adapter(model, tmp_path)
    t, p = 32, 32
    base = llama_rule(cfg, vocab, t)
    with deployed(model, tmp_path) as (form, _):
        assert forward_flops(form, t, vocab) - base == llama_rule(cfg, vocab, t, keys=t + p) - base
    # the trained model still runs the projection MLP (hidden 512) over the 32 prefix tokens
    kv = cfg.num_key_value_heads * (cfg.hidden_size // cfg.num_attention_heads)
    mlp = 2 * p * (kv * 512 + 512 * cfg.num_hidden_layers * 2 * kv)
    assert forward_flops(model, t, vocab) - llama_rule(cfg, vocab, t, keys=t + p) == mlp
