"""Do the method presets train? Every registered method at its preset learning rate on SmolLM2.

For each method: through the one cell path (`pipeline.execute`: load SmolLM2-135M-Instruct, the
default model, build the method with its preset, train `--steps` steps through peftbench's
training loop: HF Trainer, cosine schedule, warm-up 10%, the method's own optimizer and step
hook, float32 trainables) on sarcasm-headline training examples,
and report the answer-only loss on 16 held-out training examples before and after. The presets are
paper-scale (tuned for thousands of steps on an 8B model), so a short run shows small drops for
the paper's LoRA (lr 5e-5); the table is read relative to it: a preset that does not move the
loss at all, or makes it worse, has the wrong learning rate.

    python benchmarks/method_presets.py [--steps 24] [--batch 4] [--methods lora,ia3] [--lr 1e-3]

`--lr` replaces the preset rates (to calibrate a preset).
"""

from __future__ import annotations

import argparse
import math
import time

from _common import examples


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=24)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--methods", default="", help="comma-separated (default: all that train)")
    ap.add_argument("--lr", type=float, help="use this learning rate instead of the presets'")
    args = ap.parse_args()

    import torch

    from peftbench.config.schema import (
        EvaluationSettings,
        MeasurementSettings,
        ModelOptions,
        RunSpec,
        TrainingSettings,
    )
    from peftbench.methods import METHODS
    from peftbench.pipeline import CellData, CellHooks, execute
    from peftbench.training.data import train_features
    from peftbench.training.holdout import TrainSplit, held_out_loss

    spec, rows = examples("sarcasm", "train", args.steps * args.batch + 16)
    names = args.methods.split(",") if args.methods else [m.name for m in METHODS]
    settings = TrainingSettings(max_steps=args.steps, batch_size=args.batch, max_length=64)
    data = CellData(TrainSplit(rows[:-16], [], []), [])  # no eval: the held-out loss is read
    held: dict = {}  # the 16 held-out examples' features, and the loss before training

    def features(loaded: object) -> None:
        tok = loaded.tokenizer
        held.update(feats=train_features(tok, spec, rows[-16:], 64), pad=tok.pad_token_id)

    def loss_before(model: object) -> None:
        held["before"] = held_out_loss(model, held["feats"], held["pad"])

    print(f"{'method':24s} {'lr':>8s} {'loss before':>11s} {'after':>7s} {'drop %':>7s} {'s':>5s}")
    for name in names:
        method = METHODS.get(name)
        if not method.trains or (method.needs_gpu and not torch.cuda.is_available()):
            continue
        params = method.params({"learning_rate": args.lr} if args.lr else None)
        cell = RunSpec(
            "smollm2-135m", name, "sarcasm", 42, params, settings,
            EvaluationSettings(), MeasurementSettings(), ModelOptions(),
        )  # fmt: skip
        start = time.perf_counter()
        run = execute(cell, data, hooks=CellHooks(loaded=features, built=loss_before))
        before, after = held["before"], held_out_loss(run.model, held["feats"], held["pad"])
        drop = 100.0 * (before - after) / before if math.isfinite(after) else float("nan")
        print(
            f"{name:24s} {float(params['learning_rate']):8.0e} {before:11.3f} {after:7.3f} "
            f"{drop:7.1f} {time.perf_counter() - start:5.0f}",
            flush=True,
        )
        del run


if __name__ == "__main__":
    main()
