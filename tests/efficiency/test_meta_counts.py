"""Parameter counts on Llama-3-8B with no weights (meta device) equal closed forms derived here.

Shapes of Meta-Llama-3-8B-Instruct: hidden h = 4096, intermediate f = 14336, L = 32 layers,
32 query heads and 8 key/value heads of width 128 (so k_proj and v_proj map h -> kv = 1024),
vocabulary V = 128256, untied input and output embeddings. Every count below is derived from
these numbers and the method's configuration under the `paper` suite (PAPER.md), independently
of the code that builds the methods.
"""

from __future__ import annotations

import pytest

from peftbench.efficiency.meta import config_dict, count_method
from peftbench.methods import METHODS
from peftbench.suite import load_suite, method_params_of

H, F, L, HEADS, KV_HEADS, V = 4096, 14336, 32, 32, 8, 128256
KV = KV_HEADS * (H // HEADS)  # 1024: width of k_proj / v_proj outputs

# base: embeddings + LM head + per layer (q, k, v, o, gate, up, down, 2 norms) + final norm
BASE = 2 * V * H + L * (H * H + 2 * H * KV + H * H + 3 * H * F + 2 * H) + H


def lstm(inp: int, hidden: int) -> int:
    """One direction of one torch LSTM layer: 4 gates x (W_ih, W_hh, b_ih, b_hh)."""
    return 4 * hidden * (inp + hidden) + 2 * 4 * hidden


def bottleneck(width: int, factor: int = 16) -> int:
    """down (width -> b) + bias, up (b -> width) + bias, b = width // factor."""
    b = width // factor
    return width * b + b + b * width + width


# (trainable, stored, inference) under the `paper` suite's configuration of each method
E = 512  # prefix tuning's encoder hidden size
PREFIX_OUT = L * 2 * KV  # peft sizes key/value prefixes by the KV heads (grouped-query attention)
P_E = 768  # P-tuning's encoder hidden size
PAPER_COUNTS: dict[str, tuple[int, int, int]] = {
    # LoRA r = 16 on k_proj (h -> kv), v_proj (h -> kv), down_proj (f -> h): r * (in + out)
    "lora": (n := L * 16 * ((H + KV) * 2 + (F + H)), n, n),
    # IA3 as PEFT-Bench: k and v outputs (kv each) and down_proj's OUTPUT (h), not its input (f)
    "ia3": (n := L * (KV + KV + H), n, n),
    # 100 virtual tokens of width h
    "prompt_tuning": (n := 100 * H, n, n),
    # embedding 32 x kv, MLP kv -> 512 -> L*2*kv with biases; saved: 32 x (L*2*kv)
    "prefix_tuning": (
        32 * KV + (KV * E + E) + (E * PREFIX_OUT + PREFIX_OUT),
        32 * PREFIX_OUT,
        32 * PREFIX_OUT,
    ),
    # embedding 100 x h; bidirectional 2-layer LSTM h -> 768 (layer 2 reads 2*768);
    # MLP head 1536 -> 1536 -> h with biases; saved: the encoder output, 100 x h
    "ptuning": (
        100 * H
        + 2 * lstm(H, P_E)
        + 2 * lstm(2 * P_E, P_E)
        + (2 * P_E * 2 * P_E + 2 * P_E)
        + (2 * P_E * H + H),
        100 * H,
        100 * H,
    ),
    # two RMSNorm weights per layer and the final norm
    "lntuning": (n := L * 2 * H + H, n, n),
    # new biases on q_proj (h) and v_proj (kv) only
    "bitfit": (n := L * (H + KV), n, n),
}

# the three bottleneck placements under their presets (reduction 16): Houlsby wraps o_proj and
# down_proj (both write h), Pfeiffer down_proj only, parallel the whole FFN block (h -> h)
ADAPTER_COUNTS = {
    "adapter": L * 2 * bottleneck(H),
    "adapter_pfeiffer": L * bottleneck(H),
    "adapter_parallel": L * bottleneck(H),
}


@pytest.fixture(scope="module")
def llama3_8b() -> dict:
    return config_dict("hf:meta-llama/Meta-Llama-3-8B-Instruct")


def test_closed_form_of_the_base_is_llama_3_8b(llama3_8b: dict) -> None:
    assert BASE == 8_030_261_248  # the published 8.03B
    counts = count_method(METHODS.get("lora"), METHODS.get("lora").params(), llama3_8b)
    assert counts.base == BASE


@pytest.mark.parametrize("name", sorted(PAPER_COUNTS))
def test_paper_method_counts_on_llama_3_8b(name: str, llama3_8b: dict) -> None:
    suite = load_suite("paper")
    method = METHODS.get(name)
    counts = count_method(method, method_params_of(suite, name), llama3_8b)
    assert (counts.trainable, counts.stored, counts.inference) == PAPER_COUNTS[name]


@pytest.mark.parametrize("name", sorted(ADAPTER_COUNTS))
def test_adapter_placement_counts_on_llama_3_8b(name: str, llama3_8b: dict) -> None:
    method = METHODS.get(name)
    counts = count_method(method, method.params(), llama3_8b)
    n = ADAPTER_COUNTS[name]
    assert (counts.trainable, counts.stored, counts.inference) == (n, n, n)


def test_recommended_forms_count_what_they_train(llama3_8b: dict) -> None:
    """paper-fixed: IA3 scales down_proj's input (f), BitFit trains all seven projections."""
    ia3, bitfit = METHODS.get("ia3"), METHODS.get("bitfit")
    assert count_method(ia3, ia3.params(), llama3_8b).trainable == L * (KV + KV + F)
    all_biases = L * (H + KV + KV + H + F + F + H)
    assert count_method(bitfit, bitfit.params(), llama3_8b).trainable == all_biases
