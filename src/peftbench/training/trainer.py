"""The one training loop: HF Trainer on answer-only loss, same settings for every method.

Only the learning rate comes from the method's preset. A method whose update rule is part of the
method (LoRA+, GaLore) passes its own `optimizer` (the suite's schedule still drives its learning
rate); one that adapts during training (AdaLoRA) passes `on_step(step, total_steps)`, called after
every optimizer step while the gradients are still there. A NaN/inf loss stops training and fails
the run (recorded as failed, the grid goes on).
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from peftbench.config.schema import TrainingSettings


class NonFiniteLoss(RuntimeError):
    pass


@dataclass
class TrainResult:
    steps: int
    train_seconds: float
    tokens: int  # non-padding tokens seen by forward passes
    final_loss: float | None
    log: list[dict[str, Any]] = field(default_factory=list)

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


def train(
    model: Any,
    features: list[dict[str, list[int]]],
    pad_id: int,
    settings: TrainingSettings,
    learning_rate: float,
    seed: int,
    show_progress: bool = True,
    optimizer: Any = None,
    on_step: Callable[[int, int], None] | None = None,
) -> TrainResult:
    import torch
    from tqdm.auto import tqdm
    from transformers import Trainer, TrainerCallback, TrainingArguments
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    from peftbench.training.data import PadCollator

    log: list[dict[str, Any]] = []

    steps = total_steps(settings, len(features))
    bar = tqdm(  # position 1: the line under the grid bar of the parent process
        total=steps, desc="train", unit="step", disable=not show_progress, leave=False, position=1
    )

    class Watch(TrainerCallback):
        """Keeps the training log, shows one progress bar, fails the run on a non-finite loss."""

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            bar.update(1)

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
            if logs:
                log.append({"step": state.global_step, **logs})
                loss = logs.get("loss")
                if loss is not None:
                    bar.set_postfix(loss=f"{float(loss):.3f}")
                    if not math.isfinite(float(loss)):
                        raise NonFiniteLoss(f"loss became {loss} at step {state.global_step}")

        def on_optimizer_step(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if on_step is not None:  # global_step still counts the steps before this one
                on_step(state.global_step, steps)

    with tempfile.TemporaryDirectory(prefix="peftbench-train-") as out:
        args = TrainingArguments(
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
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=features,
            data_collator=PadCollator(pad_id),
            callbacks=[Watch()],
            optimizers=(optimizer, None),
        )
        for noisy in (PrinterCallback, ProgressCallback):
            trainer.remove_callback(noisy)
        tokens = _count_tokens(features, settings, steps)
        start = time.perf_counter()
        try:
            trainer.train()
        finally:
            bar.close()
        seconds = time.perf_counter() - start
    losses = [e["loss"] for e in log if "loss" in e]
    model.eval()
    return TrainResult(steps, seconds, tokens, losses[-1] if losses else None, log)


def _count_tokens(
    features: list[dict[str, list[int]]], settings: TrainingSettings, steps: int
) -> int:
    """Tokens the run will process: mean example length x examples per step x steps."""
    mean_len = sum(len(f["input_ids"]) for f in features) / max(1, len(features))
    return int(mean_len * settings.batch_size * settings.grad_accum * steps)
