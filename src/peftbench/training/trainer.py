"""The one training loop: HF Trainer on answer-only loss, same settings for every method.

`train` takes the method, so its whole training contract comes with it and no caller can forget
a part: the learning rate from the method's parameters, the method's own optimizer when its
update rule is part of the method (LoRA+, GaLore; the suite's schedule still drives its rate),
its per-step hook when it adapts during training (AdaLoRA: called after every optimizer step
while the gradients are still there), and trainable weights in float32 whatever the base dtype
(`training.precision`). A NaN/inf loss stops training and fails the run (recorded as failed,
the grid goes on).

The loss projects onto the vocabulary only the positions whose next token is labelled
(`training.loss`): the same value and gradients as HF's full-logits loss, without computing and
keeping the (batch x sequence x vocabulary) logits that answer-only training ignores. Training
is faster (the LM head is a fifth of SmolLM2's forward FLOPs, more than half of Gemma 3 270M's)
and peak training memory is lower. A model where that cannot be guaranteed trains on HF's own
loss, and `TrainResult.loss_logits` says so.

Held-out checks (`training.holdout`): with validation features the held-out loss is measured
every 5 % of the steps (the original's protocol) and, with `training.select_best`, the
checkpoint with the lowest loss is restored at the end. `probes` run other checks at fixed
step intervals (the learning curve's dev score); the model is in eval mode while they run.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from peftbench.config.schema import TrainingSettings
from peftbench.training.data import PadCollator
from peftbench.training.holdout import checkpoint_steps, every_fraction, held_out_loss
from peftbench.training.loss import LossPlan, loss_plan, summed_loss
from peftbench.training.precision import fp32_trainables

if TYPE_CHECKING:
    from torch import Tensor
    from torch.nn import Module
    from torch.optim import Optimizer
    from tqdm.auto import tqdm
    from transformers import (
        Trainer,
        TrainerCallback,
        TrainerControl,
        TrainerState,
        TrainingArguments,
    )

    from peftbench.methods.base import Method

Features = list[dict[str, list[int]]]


class NonFiniteLoss(RuntimeError):
    pass


@dataclass(frozen=True)
class Probe:
    """`run(step)` after every `every`-th optimizer step and after the last one; training stops
    early when it returns True."""

    every: int
    run: Callable[[int], bool | None]


@dataclass
class TrainResult:
    steps: int
    train_seconds: float
    tokens: int  # non-padding tokens seen by forward passes
    final_loss: float | None
    log: list[dict[str, float]] = field(default_factory=list)  # HF's log entries, with the step
    upcast_entries: int = 0  # low-precision trainable entries given float32 masters
    checkpoints: list[dict[str, float]] = field(default_factory=list)  # {step, val_loss}
    selected_step: int | None = None  # the checkpoint the model holds at the end
    probe_seconds: float = 0.0  # time spent in held-out checks (not in train_seconds)
    loss_logits: str = ""  # which logits the loss used (`LossPlan.label`)

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.train_seconds if self.train_seconds > 0 else 0.0


def _use_bf16(precision: str) -> bool:
    import torch

    if precision == "bf16":
        return True
    if precision == "auto":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return False


def total_steps(settings: TrainingSettings, n_examples: int) -> int:
    if settings.max_steps > 0:
        return settings.max_steps
    per_epoch = math.ceil(n_examples / (settings.batch_size * settings.grad_accum))
    return max(1, math.ceil(per_epoch * settings.epochs))


class _Validation:
    """Held-out loss at every checkpoint; keeps the best trainable state when selecting."""

    def __init__(self, model: Module, features: Features, pad_id: int, select_best: bool) -> None:
        self.model, self.features, self.pad_id = model, features, pad_id
        self.select_best = select_best
        self.checkpoints: list[dict[str, float]] = []
        self.best: tuple[float, int, dict[str, Tensor]] | None = None

    def __call__(self, step: int) -> bool:
        loss = held_out_loss(self.model, self.features, self.pad_id)
        self.checkpoints.append({"step": step, "val_loss": loss})
        if self.select_best and math.isfinite(loss) and (self.best is None or loss < self.best[0]):
            state = {
                n: p.detach().clone() for n, p in self.model.named_parameters() if p.requires_grad
            }
            self.best = (loss, step, state)
        return False

    def restore(self, last_step: int) -> int:
        """Load the best checkpoint into the model; the step it was taken at."""
        import torch

        if self.best is None:
            return last_step
        _, step, state = self.best
        with torch.no_grad():
            for n, p in self.model.named_parameters():
                if n in state:
                    p.copy_(state[n])
        return step


def train(
    model: Module,
    method: Method,
    params: Mapping[str, object],
    features: Features,
    pad_id: int,
    settings: TrainingSettings,
    seed: int,
    show_progress: bool = True,
    validation: Features | None = None,
    probes: Sequence[Probe] = (),
) -> TrainResult:
    """Train `model` (built by `method` with `params`) on `features` under `settings`."""
    from tqdm.auto import tqdm

    upcast = fp32_trainables(model)  # before the optimizer, so its state is float32 too
    learning_rate = method.learning_rate(params)
    optimizer = method.make_optimizer(model, params, learning_rate, settings.weight_decay)
    on_step = method.step_callback(model, params)
    steps = total_steps(settings, len(features))
    val = _Validation(model, validation, pad_id, settings.select_best) if validation else None
    checks = _scheduled_checks(steps, val, probes)
    bar = tqdm(  # position 1: the line under the grid bar of the parent process
        total=steps, desc="train", unit="step", disable=not show_progress, leave=False, position=1
    )
    watch = _watch(bar, checks, on_step, steps)
    with tempfile.TemporaryDirectory(prefix="peftbench-train-") as out:
        args = _training_arguments(out, settings, learning_rate, steps, seed)
        plan = loss_plan(model)
        trainer = _trainer(model, args, features, pad_id, optimizer, watch, plan)
        tokens = _count_tokens(features, settings, steps)
        start = time.perf_counter()
        try:
            trainer.train()
        finally:
            bar.close()
        seconds = time.perf_counter() - start - watch.probe_seconds
        steps = trainer.state.global_step  # fewer than planned when a probe stopped training
    losses = [e["loss"] for e in watch.log if "loss" in e]
    model.eval()
    return TrainResult(
        steps,
        seconds,
        tokens,
        losses[-1] if losses else None,
        watch.log,
        upcast_entries=upcast,
        checkpoints=val.checkpoints if val else [],
        selected_step=val.restore(steps) if val else None,
        probe_seconds=watch.probe_seconds,
        loss_logits=plan.label,
    )


Check = tuple[list[int], Callable[[int], bool | None]]  # (the steps it runs after, what it runs)


def _scheduled_checks(steps: int, val: _Validation | None, probes: Sequence[Probe]) -> list[Check]:
    """When each held-out check runs, as step lists decided up front: validation every 5 % of
    the steps (the original's protocol), each probe at its own interval, every check also
    after the last step (the final model)."""
    checks: list[Check] = [(checkpoint_steps(steps, p.every), p.run) for p in probes]
    if val is not None:
        checks.insert(0, (checkpoint_steps(steps, every_fraction(steps)), val))
    return checks


class _Watch(Protocol):
    """What `train` reads back from the callback of `_watch`."""

    log: list[dict[str, float]]
    probe_seconds: float


def _watch(
    bar: tqdm, checks: list[Check], on_step: Callable[[int, int], None] | None, steps: int
) -> _Watch:
    """The one callback that sees every step: keeps the training log (`.log`), moves the
    progress bar, runs the held-out checks (their time in `.probe_seconds`, kept out of the
    training time), calls the method's step hook and fails the run on a non-finite loss.
    Built here because transformers is imported only when training (`--help` stays fast)."""
    from transformers import TrainerCallback

    class Watch(TrainerCallback):
        def __init__(self) -> None:
            self.log: list[dict[str, float]] = []
            self.probe_seconds = 0.0

        def on_step_end(
            self,
            args: TrainingArguments,
            state: TrainerState,
            control: TrainerControl,
            **kw: object,
        ) -> None:
            bar.update(1)
            start = time.perf_counter()
            for at, run in checks:
                if state.global_step in at and run(state.global_step):
                    control.should_training_stop = True
            self.probe_seconds += time.perf_counter() - start

        def on_log(
            self,
            args: TrainingArguments,
            state: TrainerState,
            control: TrainerControl,
            logs: dict[str, float] | None = None,
            **kw: object,
        ) -> None:
            if logs:
                self.log.append({"step": state.global_step, **logs})
                loss = logs.get("loss")
                if loss is not None:
                    bar.set_postfix(loss=f"{float(loss):.3f}")
                    if not math.isfinite(float(loss)):
                        raise NonFiniteLoss(f"loss became {loss} at step {state.global_step}")

        def on_optimizer_step(
            self,
            args: TrainingArguments,
            state: TrainerState,
            control: TrainerControl,
            **kw: object,
        ) -> None:
            if on_step is not None:  # global_step still counts the steps before this one
                on_step(state.global_step, steps)

    return Watch()


def _training_arguments(
    out: str, settings: TrainingSettings, learning_rate: float, steps: int, seed: int
) -> TrainingArguments:
    """The suite's training settings in HF's terms, the same for every method. HF's own
    saving, reporting and progress output are off (our bar and log replace them) and its NaN
    filter too, so that a NaN loss surfaces instead of being averaged away."""
    import torch
    from transformers import TrainingArguments

    return TrainingArguments(
        output_dir=out,
        per_device_train_batch_size=settings.batch_size,
        gradient_accumulation_steps=settings.grad_accum,
        learning_rate=learning_rate,
        max_steps=steps,
        lr_scheduler_type=settings.lr_scheduler,
        warmup_steps=math.ceil(settings.warmup_ratio * steps),
        weight_decay=settings.weight_decay,
        optim=settings.optimizer,
        bf16=_use_bf16(settings.precision),
        use_cpu=not torch.cuda.is_available(),
        logging_steps=settings.logging_steps,
        save_strategy="no",
        report_to="none",
        seed=seed,
        data_seed=seed,
        remove_unused_columns=False,
        dataloader_pin_memory=False,
        disable_tqdm=True,
        logging_nan_inf_filter=False,  # a NaN loss must surface, not be averaged away
    )


def _trainer(
    model: Module,
    args: TrainingArguments,
    features: Features,
    pad_id: int,
    optimizer: Optimizer | None,
    watch: TrainerCallback,
    plan: LossPlan,
) -> Trainer:
    """An HF Trainer with answer-only padding, the loss of `plan`, the method's optimizer
    (None: HF builds the suite's) and only our callback printing (HF's printer and progress
    callbacks removed)."""
    from transformers import Trainer
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    class AnswerLossTrainer(Trainer):
        """HF's Trainer with the loss from the labelled positions' logits only.

        Normalised as HF's `compute_loss` normalises the model's own loss: summed over the
        labelled tokens and divided by `num_items_in_batch` (the labelled tokens of the whole
        accumulated batch) when the model takes loss kwargs and the Trainer counted them, so
        the Trainer does not divide by the accumulation steps again; else the per-batch mean.
        """

        def compute_loss(
            self,
            model: Module,
            inputs: dict[str, Tensor],
            return_outputs: bool = False,
            num_items_in_batch: Tensor | int | None = None,
        ) -> Tensor | tuple[Tensor, object]:
            if plan.path == "full":
                return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            total, count = summed_loss(model, inputs, plan)
            if self.model_accepts_loss_kwargs and num_items_in_batch is not None:
                if hasattr(num_items_in_batch, "to"):
                    num_items_in_batch = num_items_in_batch.to(total.device)
                loss = total / num_items_in_batch
            else:
                loss = total / count
            return (loss, None) if return_outputs else loss

    trainer = AnswerLossTrainer(
        model=model,
        args=args,
        train_dataset=features,
        data_collator=PadCollator(pad_id),
        callbacks=[watch],
        optimizers=(optimizer, None),
    )
    for noisy in (PrinterCallback, ProgressCallback):
        trainer.remove_callback(noisy)
    return trainer


def _count_tokens(features: Features, settings: TrainingSettings, steps: int) -> int:
    """Tokens the run will process: mean example length x examples per step x steps."""
    mean_len = sum(len(f["input_ids"]) for f in features) / max(1, len(features))
    return int(mean_len * settings.batch_size * settings.grad_accum * steps)
