"""The loss from the labelled positions' logits equals HF's full-logits loss, value and gradients.

Outcomes: for methods that wrap the forward in every way peft and peftbench do (adapters in the
weights, virtual tokens prepended to the input, a key/value prefix, a plain model), the loss and
the trainable parameters' gradients equal those of HF's own loss on a right-padded batch whose
answers sit at different positions; a whole training run with gradient accumulation logs the
same losses and ends with the same weights as one on HF's loss; a tuner that adds to `.loss`
itself (AdaLoRA) trains on HF's loss, and the run says so.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

from peftbench.config.schema import TrainingSettings
from peftbench.datasets import DATASETS, LoadContext
from peftbench.methods import METHODS, Method
from peftbench.models.tiny import build_tiny
from peftbench.training import trainer as trainer_module
from peftbench.training.data import IGNORE_INDEX, PadCollator, train_features
from peftbench.training.holdout import held_out_loss
from peftbench.training.loss import LossPlan, loss_plan, summed_loss
from peftbench.training.trainer import train

# (method, the logits path it must take): every way a method can wrap the forward
CASES = [
    ("lora", "mask"),
    ("ia3", "mask"),
    ("adapter", "mask"),  # native tuner (peft hook)
    ("bitfit", "mask"),
    ("full", "mask"),  # the plain model
    ("prompt_tuning", "mask"),  # virtual tokens prepended: offset
    ("ptuning", "mask"),
    ("prefix_tuning", "mask"),  # key/value prefix: no offset
    ("adalora", "full"),  # adds its regulariser to `.loss`: HF's loss
]


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _features(loaded, tmp_path, n: int = 8):
    spec = DATASETS.get("toy-addition")
    examples = spec.load("train", LoadContext(tmp_path))[:n]
    return train_features(loaded.tokenizer, spec, examples, 64)


def _built(name: str, arch: str = "llama"):
    torch.manual_seed(0)
    loaded = build_tiny(arch)
    method = METHODS.get(name)
    model = method.build(loaded.model, loaded, Method.build_params(method.params()))
    for p in model.parameters():  # zero-initialised parts (LoRA B) would hide gradients
        if p.requires_grad:
            with torch.no_grad():
                p.add_(torch.randn_like(p) * 0.02)
    return loaded, model


def _batch(feats):
    # cut prompts by different amounts so the answers sit at different positions
    ragged = [{k: v[2 * i :] for k, v in f.items()} for i, f in enumerate(feats)]
    batch = PadCollator(0)(ragged)
    answer_columns = (batch["labels"] != IGNORE_INDEX).nonzero()[:, 1]
    assert len(set(answer_columns.tolist())) > 4  # answers spread over the sequence
    return batch


def _grads(model) -> dict[str, torch.Tensor]:
    out = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    model.zero_grad(set_to_none=True)
    return out


@pytest.mark.parametrize(("name", "path"), CASES)
def test_loss_and_gradients_equal_hf_full_logits_loss(name: str, path: str, tmp_path) -> None:
    loaded, model = _built(name)
    batch = _batch(_features(loaded, tmp_path))
    model.eval()  # dropout off, so both losses see the same network (gradients still flow)
    plan = loss_plan(model)
    assert plan.path == path

    hf = model(**batch).loss
    if plan.path == "full":  # the trainer hands these to HF's own compute_loss
        assert plan.reason and "all positions" in plan.label
        return
    hf.backward()
    hf_grads = _grads(model)
    total, count = summed_loss(model, batch, plan)
    ours = total / count
    ours.backward()
    our_grads = _grads(model)

    assert count == int((batch["labels"][:, 1:] != IGNORE_INDEX).sum())
    assert ours.item() == pytest.approx(hf.item(), rel=1e-5)
    assert hf_grads and hf_grads.keys() == our_grads.keys()
    for n, g in hf_grads.items():
        torch.testing.assert_close(our_grads[n], g, rtol=1e-4, atol=1e-7, msg=n)


@pytest.mark.parametrize("arch", ["gpt2", "qwen2", "gemma3"])
def test_other_architectures_match_too(arch: str, tmp_path) -> None:
    loaded, model = _built("lora", arch)
    model.eval()
    batch = _batch(_features(loaded, tmp_path))
    plan = loss_plan(model)
    assert plan.path == "mask"
    total, count = summed_loss(model, batch, plan)
    assert (total / count).item() == pytest.approx(model(**batch).loss.item(), rel=1e-5)


def test_position_indices_match_for_forwards_without_a_mask(tmp_path) -> None:
    loaded, model = _built("prompt_tuning")
    model.eval()
    batch = _batch(_features(loaded, tmp_path))
    plan = loss_plan(model)
    assert plan.offset == METHODS.get("prompt_tuning").preset["num_virtual_tokens"]
    total, count = summed_loss(model, batch, LossPlan("positions", plan.offset))
    assert (total / count).item() == pytest.approx(model(**batch).loss.item(), rel=1e-5)


def test_held_out_loss_is_the_full_logits_loss(tmp_path) -> None:
    loaded, model = _built("prompt_tuning")
    feats = _features(loaded, tmp_path)
    model.eval()
    with torch.no_grad():
        full = summed_loss(model, PadCollator(0)(feats), LossPlan("full"))
    assert held_out_loss(model, feats, 0) == pytest.approx(float(full[0]) / full[1], rel=1e-5)


def _run(name: str, tmp_path, plan_of) -> tuple[list[float], dict[str, torch.Tensor], str]:
    loaded, model = _built(name)
    feats = _features(loaded, tmp_path, 16)
    method = METHODS.get(name)
    settings = TrainingSettings(max_steps=3, batch_size=4, grad_accum=2, logging_steps=1)
    params = {**method.params(), "learning_rate": 1e-2}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(trainer_module, "loss_plan", plan_of)
        result = train(model, method, params, feats, 0, settings, seed=0, show_progress=False)
    state = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    return [e["loss"] for e in result.log if "loss" in e], state, result.loss_logits


@pytest.mark.parametrize("name", ["lora", "prompt_tuning"])
def test_training_with_accumulation_matches_hf_loss(name: str, tmp_path) -> None:
    ours, our_state, label = _run(name, tmp_path, loss_plan)
    hf, hf_state, hf_label = _run(name, tmp_path, lambda m: LossPlan("full", reason="reference"))
    assert label == "labelled positions" and "reference" in hf_label
    assert len(ours) == 3 and ours == pytest.approx(hf, rel=1e-5)
    assert ours[-1] < ours[0]  # it still learns
    for n, p in hf_state.items():
        torch.testing.assert_close(our_state[n], p, rtol=1e-4, atol=1e-6, msg=n)


def test_a_tuner_with_its_own_loss_term_trains_on_hf_loss_and_says_so(tmp_path) -> None:
    loaded, model = _built("adalora")
    feats = _features(loaded, tmp_path, 16)
    method = METHODS.get("adalora")
    settings = TrainingSettings(max_steps=2, batch_size=8, logging_steps=1)
    result = train(model, method, method.params(), feats, 0, settings, seed=0, show_progress=False)
    assert result.loss_logits.startswith("all positions") and "ADALORA" in result.loss_logits
