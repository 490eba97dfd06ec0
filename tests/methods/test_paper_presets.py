"""The `paper` suite configures each method as PEFT-Bench did; the recommended forms differ only
where `paper-fixed` says why; every method key a user may set is validated up front."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from peftbench.config.loader import builtin_suites, read_suite_file
from peftbench.errors import UserError
from peftbench.methods import METHODS, Method
from peftbench.models.tiny import build_tiny
from peftbench.suite import expand, load_suite

# PEFT-Bench's configuration of each method (PAPER.md, read from PEFT-Factory's
# examples/peftbench/<method>/llama-3-8b-instruct/*.yaml and its adapter code).
PAPER_CONFIG: dict[str, dict[str, Any]] = {
    "lora": {
        "learning_rate": 5e-5,
        "r": 16,
        "lora_alpha": 16,
        "lora_dropout": 0.05,
        "target_modules": ["key", "value", "ffn_out"],
    },
    "ia3": {
        "learning_rate": 5e-5,
        "target_modules": ["key", "value", "ffn_out"],
        "feedforward_modules": ["ffn_out"],
        "paper_compat": True,
    },
    "prompt_tuning": {
        "learning_rate": 3e-2,
        "num_virtual_tokens": 100,
        "prompt_tuning_init": "vocab",
        "prompt_tuning_init_vocab": 5000,
        "prompt_tuning_init_text": None,
    },
    "prefix_tuning": {
        "learning_rate": 1e-5,
        "num_virtual_tokens": 32,
        "prefix_projection": True,
        "encoder_hidden_size": 512,
    },
    "ptuning": {
        "learning_rate": 1e-3,
        "num_virtual_tokens": 100,
        "encoder_hidden_size": 768,
        "encoder_reparameterization_type": "LSTM",
        "encoder_num_layers": 2,
        "encoder_dropout": 0.1,
    },
    "lntuning": {"learning_rate": 5e-5, "target_modules": ["norm", "final_norm"]},
    "bitfit": {
        "learning_rate": 5e-5,
        "target_modules": ["query", "value"],
        "add_missing_bias": True,
        "bias_init": "uniform",
    },
}


def _paper_params(suite: str) -> dict[str, dict[str, Any]]:
    return {r.method: r.method_params for r in expand(load_suite(suite))}


def test_paper_suite_configures_each_method_as_the_original() -> None:
    assert _paper_params("paper") == PAPER_CONFIG
    t = load_suite("paper").training
    assert (t.epochs, t.batch_size, t.max_length, t.precision) == (10, 4, 2048, "bf16")
    assert load_suite("paper").model_options.dtype == "bfloat16"


def test_paper_mini_uses_the_paper_method_forms() -> None:
    params = _paper_params("paper-mini")
    for name, config in PAPER_CONFIG.items():
        assert params[name] == config


def test_paper_fixed_differs_from_paper_only_in_documented_method_forms() -> None:
    paper, fixed = read_suite_file("paper"), read_suite_file("paper-fixed")
    for key in set(paper) | set(fixed):
        if key not in ("name", "description", "method_params"):
            assert paper.get(key) == fixed.get(key), key
    differs = {
        name
        for name, params in _paper_params("paper-fixed").items()
        if params != PAPER_CONFIG[name]
    }
    assert differs == {"ia3", "bitfit"}
    text = builtin_suites()["paper-fixed"].read_text()
    for name in differs:  # the reason is written next to the deviation
        assert f"# - {name}:" in text


@pytest.mark.parametrize("name", sorted(PAPER_CONFIG))
def test_every_preset_value_says_where_it_comes_from(name: str) -> None:
    method = METHODS.get(name)
    missing = [k for k in method.preset if not method.sources.get(k)]
    assert not missing, f"{name}: no source for {missing}"


def _build(name: str, params: dict[str, Any], seed: int = 0) -> tuple[Any, Any]:
    loaded = build_tiny("llama")
    torch.manual_seed(seed)
    model = METHODS.get(name).build(loaded.model, loaded, Method.build_params(params))
    return model, loaded


def test_ia3_paper_compat_scales_down_proj_output_literature_its_input() -> None:
    for compat, width in ((True, 64), (False, 128)):  # tiny-llama: hidden 64, intermediate 128
        params = {**METHODS.get("ia3").params(), "paper_compat": compat}
        model, _ = _build("ia3", params)
        down = model.base_model.model.model.layers[0].mlp.down_proj
        assert down.is_feedforward is (not compat)
        assert down.ia3_l["default"].numel() == width
        x = torch.randn(2, 3, 128)
        with torch.no_grad():
            down.ia3_l["default"].fill_(2.0)
            base = down.base_layer(x)
            out = down(x)
        if compat:  # output scaled: y = 2 * W x
            assert torch.allclose(out, 2 * base, atol=1e-5)
        else:  # input scaled, no bias: W (2x) = 2 W x as well, but through the input vector
            assert torch.allclose(out, down.base_layer(2 * x), atol=1e-5)


def test_bitfit_paper_trains_random_q_v_biases_default_zero_all_projections() -> None:
    model, _ = _build("bitfit", PAPER_CONFIG["bitfit"])
    trained = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trained and all((".q_proj." in n or ".v_proj." in n) for n in trained)
    bias = model.base_model.model.model.layers[0].self_attn.q_proj.bitfit_bias["default"]
    bound = 1 / 64**0.5  # nn.Linear's default init for in_features 64
    assert bias.abs().max() <= bound and bias.abs().max() > bound / 4
    fixed, _ = _build("bitfit", METHODS.get("bitfit").params())
    names = {n.split(".")[-3] for n, p in fixed.named_parameters() if p.requires_grad}
    assert names == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    assert all(not p.detach().any() for p in fixed.parameters() if p.requires_grad)


def test_prompt_tuning_starts_from_distinct_vocabulary_embeddings() -> None:
    params = {**PAPER_CONFIG["prompt_tuning"], "num_virtual_tokens": 20}
    params["prompt_tuning_init_vocab"] = 50
    model, loaded = _build("prompt_tuning", params, seed=1)
    words = loaded.model.get_input_embeddings().weight.detach()
    prompt = model.prompt_encoder["default"].embedding.weight.detach()
    hits = [int(torch.nonzero((words == row).all(dim=1))[0]) for row in prompt]
    assert len(set(hits)) == 20 and max(hits) < 50  # distinct ids from [0, 50)
    again, _ = _build("prompt_tuning", params, seed=1)
    assert torch.equal(again.prompt_encoder["default"].embedding.weight, prompt)  # seeded


def test_prompt_tuning_text_init_uses_the_text_tokens() -> None:
    params = {
        **PAPER_CONFIG["prompt_tuning"],
        "num_virtual_tokens": 6,
        "prompt_tuning_init": "text",
        "prompt_tuning_init_text": "abc",
    }
    model, loaded = _build("prompt_tuning", params)
    ids = loaded.tokenizer("abcabc", add_special_tokens=False)["input_ids"]
    words = loaded.model.get_input_embeddings().weight.detach()
    assert torch.equal(model.prompt_encoder["default"].embedding.weight.detach(), words[ids])


def test_ptuning_uses_an_lstm_encoder() -> None:
    model, _ = _build("ptuning", {**PAPER_CONFIG["ptuning"], "encoder_hidden_size": 16})
    encoder = model.prompt_encoder["default"]
    assert isinstance(encoder.lstm_head, torch.nn.LSTM)
    assert encoder.lstm_head.bidirectional and encoder.lstm_head.num_layers == 2
    assert encoder.lstm_head.dropout == pytest.approx(0.1)


BAD = [
    ("ptuning", "encoder_reparameterization_type", "GRU", "LSTM, MLP"),
    ("ptuning", "encoder_dropout", 1.5, "<= 1"),
    ("prompt_tuning", "prompt_tuning_init", "txt", "text"),
    ("prompt_tuning", "prompt_tuning_init_vocab", -1, "-1"),
    ("ia3", "paper_compat", "yes", "true or false"),
    ("ia3", "feedforward_modules", ["ffn_in"], "not in"),
    ("bitfit", "bias_init", "normal", "zeros, uniform"),
    ("bitfit", "target_modules", [], "must name at least one"),
    ("adapter", "non_linearity", "relu6", "relu"),
    ("adapter", "reduction_factor", 0, ">= 1"),
    ("adapter", "scaling", "big", "number"),
    ("lora", "r", "16", "integer"),
]


@pytest.mark.parametrize(("method", "key", "value", "says"), BAD)
def test_bad_method_values_fail_up_front(method: str, key: str, value: Any, says: str) -> None:
    with pytest.raises(UserError) as err:
        load_suite("smoke", [f"method_params.{method}.{key}={value!r}"])
    text = f"{err.value} {err.value.hint}"
    assert f"method_params.{method}.{key}" in text and says in text


def test_prompt_tuning_text_init_needs_its_text() -> None:
    with pytest.raises(UserError) as err:
        load_suite("smoke", ["method_params.prompt_tuning.prompt_tuning_init=text"])
    assert "prompt_tuning_init_text" in str(err.value)
    suite = load_suite(
        "smoke",
        [
            "method_params.prompt_tuning.prompt_tuning_init=text",
            "method_params.prompt_tuning.prompt_tuning_init_text=Classify the text",
        ],
    )
    assert suite.method_params["prompt_tuning"]["prompt_tuning_init_text"] == "Classify the text"


def test_settable_method_keys_are_accepted() -> None:
    suite = load_suite(
        "smoke",
        [
            "method_params.ptuning.encoder_reparameterization_type=MLP",
            "method_params.ia3.feedforward_modules=[ffn_out]",
            "method_params.bitfit.target_modules=[query, value]",
            "method_params.adapter.reduction_factor=8",
            "method_params.adapter.non_linearity=gelu",
            "method_params.adapter.scaling=0.5",
        ],
    )
    adapter = suite.method_params["adapter"]
    assert (adapter["reduction_factor"], adapter["non_linearity"], adapter["scaling"]) == (
        8,
        "gelu",
        0.5,
    )


def test_paper_dry_run_lists_the_paper_configurations(capsys: pytest.CaptureFixture[str]) -> None:
    from peftbench.cli import main

    assert main(["run", "paper", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "suite 'paper': 945 runs" in out
    for setting in ("epochs=10.0", "batch_size=4", "max_length=2048", "precision=bf16"):
        assert setting in out
    lines = {line.split()[1]: line for line in out.splitlines() if line.startswith("  method ")}
    assert set(lines) == set(PAPER_CONFIG)
    assert "r=16 lora_alpha=16 lora_dropout=0.05 target_modules=key+value+ffn_out" in lines["lora"]
    assert "paper_compat=True" in lines["ia3"]
    assert "prompt_tuning_init=vocab prompt_tuning_init_vocab=5000" in lines["prompt_tuning"]
    assert "encoder_reparameterization_type=LSTM" in lines["ptuning"]
    assert "target_modules=query+value" in lines["bitfit"]
    assert "bias_init=uniform" in lines["bitfit"]
    for name, config in PAPER_CONFIG.items():
        assert f"lr={config['learning_rate']}" in lines[name]
