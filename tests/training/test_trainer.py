"""The training loop: answer-only loss, loss goes down, non-finite loss fails the run."""

from __future__ import annotations

import pytest
import torch

from peftbench.config.schema import TrainingSettings
from peftbench.datasets import DATASETS, LoadContext
from peftbench.datasets.prompt import prompt_ids
from peftbench.methods import METHODS, Method
from peftbench.models.tiny import build_tiny
from peftbench.training.data import IGNORE_INDEX, PadCollator, train_features
from peftbench.training.trainer import NonFiniteLoss, train


def features(tmp_path, n: int = 16):
    loaded = build_tiny("llama")
    spec = DATASETS.get("toy-addition")
    examples = spec.load("train", LoadContext(tmp_path))[:n]
    return loaded, spec, examples, train_features(loaded.tokenizer, spec, examples, 64)


def test_loss_is_on_the_answer_only(tmp_path) -> None:
    loaded, spec, examples, feats = features(tmp_path, 2)
    tok = loaded.tokenizer
    for ex, f in zip(examples, feats, strict=True):
        n_prompt = len(prompt_ids(tok, spec, ex))
        assert f["labels"][:n_prompt] == [IGNORE_INDEX] * n_prompt
        answer = [t for t in f["labels"] if t != IGNORE_INDEX]
        assert tok.decode(answer[:-1]) == ex.answer and answer[-1] == tok.eos_token_id


def test_long_prompts_are_cut_from_the_left(tmp_path) -> None:
    loaded, spec, examples, _ = features(tmp_path, 1)
    feats = train_features(loaded.tokenizer, spec, examples, 10)
    assert len(feats[0]["input_ids"]) == 10
    assert feats[0]["input_ids"][-1] == loaded.tokenizer.eos_token_id


def test_collator_pads_right_and_masks(tmp_path) -> None:
    _, _, _, feats = features(tmp_path, 2)
    feats[1] = {k: v[:-3] for k, v in feats[1].items()}
    batch = PadCollator(0)(feats[:2])
    assert batch["attention_mask"][1, -3:].tolist() == [0, 0, 0]
    assert batch["labels"][1, -3:].tolist() == [IGNORE_INDEX] * 3


def test_training_lowers_the_loss_and_logs(tmp_path) -> None:
    loaded, _, _, feats = features(tmp_path)
    method = METHODS.get("lora")
    model = method.build(loaded.model, loaded, Method.build_params(method.preset))
    settings = TrainingSettings(max_steps=12, batch_size=8, logging_steps=1)
    params = {**method.preset, "learning_rate": 1e-2}
    result = train(model, method, params, feats, 0, settings, seed=0, show_progress=False)
    losses = [e["loss"] for e in result.log if "loss" in e]
    assert result.steps == 12 and len(losses) == 12
    assert losses[-1] < losses[0]
    assert result.tokens > 0 and result.train_seconds > 0


def test_nan_loss_fails_the_run(tmp_path) -> None:
    loaded, _, _, feats = features(tmp_path)
    method = METHODS.get("lora")
    model = method.build(loaded.model, loaded, Method.build_params(method.preset))
    with torch.no_grad():
        model.get_input_embeddings().weight.fill_(float("nan"))
    with pytest.raises(NonFiniteLoss):
        settings = TrainingSettings(max_steps=3, batch_size=8)
        train(model, method, method.params(), feats, 0, settings, 0, False)
