"""The evaluation decoder runs the adapted model for every method (the prefix-tuning hazard).

For each method: perturb the trainable parameters (as training would), then check that the
cached batched decoder equals a cache-free, one-prompt-at-a-time reference that recomputes the
whole sequence through the PEFT model's forward, and that it differs from the base model.
"""

from __future__ import annotations

import copy

import pytest
import torch

from peftbench.evaluation.generate import (
    MIN_SHARED,
    greedy_generate,
    shared_prefix_length,
    virtual_kind,
)
from peftbench.methods import METHODS, Method
from peftbench.models.tiny import build_tiny

TRAINED = ["lora", "ia3", "prompt_tuning", "prefix_tuning", "adapter", "bitfit"]
# prompt-learning methods whose virtual tokens the decoder computes (one padded batch, shared head)
VIRTUAL = ["prompt_tuning", "ptuning", "prefix_tuning", "ptuning_v2", "cartridge"]
SMALL = {
    "prompt_tuning": {"num_virtual_tokens": 4},
    "prefix_tuning": {"num_virtual_tokens": 4},
    "ptuning": {"num_virtual_tokens": 4, "encoder_hidden_size": 16},
    "ptuning_v2": {"num_virtual_tokens": 4},
    "cartridge": {"num_virtual_tokens": 4},
    "multitask_prompt_tuning": {"num_virtual_tokens": 4},
}
ARCHS = ["llama", "qwen2", "gpt2", "gemma3"]  # rotary, learned absolute, sliding-window layers


def reference(model: torch.nn.Module, prompt: list[int], n: int) -> list[int]:
    ids = torch.tensor([prompt])
    out: list[int] = []
    with torch.no_grad():
        for _ in range(n):
            logits = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
            nxt = int(logits[0, -1].argmax())
            out.append(nxt)
            ids = torch.cat([ids, torch.tensor([[nxt]])], 1)
    return out


def adapted(method: str, arch: str) -> tuple[object, object]:
    loaded = build_tiny(arch)
    base = loaded.model.eval()
    spec = METHODS.get(method)
    torch.manual_seed(0)
    params = Method.build_params(spec.params(SMALL.get(method)))
    model = spec.build(copy.deepcopy(base), loaded, params).eval()
    with torch.no_grad():
        for p in model.parameters():
            if p.requires_grad:
                p.add_(torch.randn_like(p) * 2.0)
    return base, model


PROMPTS = [[5, 17, 23, 40, 41], [9, 12, 70], [33, 34, 35, 36, 37, 38, 39]]
# A common head as long as a chat template's: the decoder runs it once and copies its cache
HEAD = list(range(50, 50 + MIN_SHARED + 2))
SHARED = [HEAD + p for p in PROMPTS]


@pytest.mark.parametrize("arch", ["llama", "qwen2", "gpt2"])
@pytest.mark.parametrize("method", TRAINED)
def test_decoder_matches_reference_and_differs_from_base(method: str, arch: str) -> None:
    base, model = adapted(method, arch)
    got = greedy_generate(model, PROMPTS, pad_id=0, max_new_tokens=6)
    want = [reference(model, p, 6) for p in PROMPTS]
    assert got == want
    base_out = greedy_generate(base, PROMPTS, pad_id=0, max_new_tokens=6)
    assert base_out == [reference(base, p, 6) for p in PROMPTS]
    assert got != base_out, f"{method}: evaluation produced the base model's output"


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("method", ["frozen", *TRAINED])
def test_shared_head_gives_the_reference_output(method: str, arch: str) -> None:
    """Prompts with a common head (run once, cache copied) decode as each prompt alone does."""
    assert shared_prefix_length(SHARED) >= MIN_SHARED  # the head path is the one taken
    model = adapted(method, arch)[1] if method != "frozen" else build_tiny(arch).model
    got = greedy_generate(model.eval(), SHARED, pad_id=0, max_new_tokens=6)
    assert got == [reference(model, p, 6) for p in SHARED]


def _count_calls(module: torch.nn.Module) -> list[int]:
    calls = [0]

    def hook(*_: object) -> None:
        calls[0] += 1

    module.register_forward_pre_hook(hook)
    return calls


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("method", VIRTUAL)
@pytest.mark.parametrize("prompts", [SHARED, PROMPTS], ids=["shared-head", "padding"])
def test_virtual_tokens_take_the_one_batch_path(
    method: str, arch: str, prompts: list[list[int]]
) -> None:
    """Prompt-learning models whose virtual tokens the decoder computes run mixed prompt lengths
    as one padded batch through the inner model (virtual tokens and any shared head prefilled
    once, then the batch, then one pass per new token), never through peft's forward, and still
    give each prompt's one-prompt reference output."""
    model = adapted(method, arch)[1]
    assert len({len(p) for p in prompts}) > 1  # the old path would split this batch
    outer = _count_calls(model)  # type: ignore[arg-type]
    inner = _count_calls(model.get_base_model())  # type: ignore[attr-defined]
    got = greedy_generate(model, prompts, pad_id=0, max_new_tokens=6)
    # a prefix without a shared text head is a cache already: no pass before the batch's
    prefill = 1 if virtual_kind(model) == "kv" and prompts is PROMPTS else 2
    assert (outer[0], inner[0]) == (0, prefill + 5)
    assert got == [reference(model, p, 6) for p in prompts]  # type: ignore[arg-type]


@pytest.mark.parametrize("method", VIRTUAL)
def test_one_prompt_takes_its_virtual_tokens_in_one_prefill(method: str) -> None:
    """Latency times one prompt: its soft prompt / prefix and text go in one prefill pass."""
    model = adapted(method, "llama")[1]
    inner = _count_calls(model.get_base_model())  # type: ignore[attr-defined]
    got = greedy_generate(model, PROMPTS[:1], pad_id=0, max_new_tokens=6)
    assert inner[0] == 1 + 5
    assert got == [reference(model, PROMPTS[0], 6)]  # type: ignore[arg-type]


def test_virtual_tokens_only_peft_knows_keep_the_equal_length_path() -> None:
    """Multitask prompt tuning (task ids) stays on the sub-batch path and still decodes."""
    model = adapted("multitask_prompt_tuning", "llama")[1]
    assert virtual_kind(model) == "opaque"
    got = greedy_generate(model, PROMPTS, pad_id=0, max_new_tokens=6)
    assert got == [reference(model, p, 6) for p in PROMPTS]  # type: ignore[arg-type]


def test_shared_prefix_length_leaves_every_prompt_a_token_of_its_own() -> None:
    assert shared_prefix_length([[1, 2, 3, 4], [1, 2, 5]]) == 2
    assert shared_prefix_length([[1, 2, 3], [1, 2, 3, 4]]) == 2  # the shorter keeps its last token
    assert shared_prefix_length([[1, 2], [3, 2]]) == 0
    assert shared_prefix_length([[7, 8, 9]]) == 2


def test_hf_generate_hazard_is_real_for_prefix_tuning() -> None:
    """Documents why peftbench has its own decoder: peft's generate() drops the prefix."""
    base, model = adapted("prefix_tuning", "llama")
    ids = torch.tensor([PROMPTS[0]])
    hf = model.generate(
        input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=6, do_sample=False
    )[0, ids.shape[1] :].tolist()
    ours = greedy_generate(model, [PROMPTS[0]], pad_id=0, max_new_tokens=6)[0]
    if hf == ours:
        pytest.skip("this peft/transformers pair honours the prefix in generate()")
    assert hf == greedy_generate(base, [PROMPTS[0]], pad_id=0, max_new_tokens=6)[0]


def test_stop_token_ends_a_sequence() -> None:
    base, _ = adapted("lora", "llama")
    free = greedy_generate(base, PROMPTS[:1], pad_id=0, max_new_tokens=5)[0]
    stopped = greedy_generate(
        base, PROMPTS[:1], pad_id=0, max_new_tokens=5, stop_ids=frozenset({free[2]})
    )[0]
    assert stopped == free[: free.index(free[2])]
