"""Do the method presets train? Every registered method at its preset learning rate on SmolLM2.

For each method: load SmolLM2-135M-Instruct (the default model), build the method with its
preset, train `--steps` steps through peftbench's training loop (HF Trainer, cosine schedule,
warm-up 10%, the method's own optimizer and step hook) on sarcasm-headline training examples,
and report the answer-only loss on a fixed held-out batch before and after. The presets are
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


def held_out_loss(model, batch) -> float:
    """Answer-only cross-entropy from the logits (AdaLoRA adds a regulariser to `.loss`)."""
    import torch

    model.eval()
    with torch.no_grad():
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    logits = logits[:, -batch["labels"].shape[1] :]  # prompt methods prepend virtual tokens
    return float(
        torch.nn.functional.cross_entropy(
            logits[:, :-1].flatten(0, 1), batch["labels"][:, 1:].flatten(), ignore_index=-100
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=24)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--methods", default="", help="comma-separated (default: all that train)")
    ap.add_argument("--lr", type=float, help="use this learning rate instead of the presets'")
    args = ap.parse_args()

    import torch
    from transformers import set_seed

    from peftbench.config.schema import TrainingSettings
    from peftbench.methods import METHODS, Method
    from peftbench.models.hub import resolve
    from peftbench.training.data import PadCollator, train_features
    from peftbench.training.trainer import train

    spec, rows = examples("sarcasm", "train", args.steps * args.batch + 16)
    names = args.methods.split(",") if args.methods else [m.name for m in METHODS]
    settings = TrainingSettings(max_steps=args.steps, batch_size=args.batch, max_length=64)
    print(f"{'method':24s} {'lr':>8s} {'loss before':>11s} {'after':>7s} {'drop %':>7s} {'s':>5s}")
    for name in names:
        method = METHODS.get(name)
        if not method.trains or (method.needs_gpu and not torch.cuda.is_available()):
            continue
        loaded = resolve("smollm2-135m").load({})
        tok = loaded.tokenizer
        feats = train_features(tok, spec, rows, settings.max_length)
        held = PadCollator(tok.pad_token_id)(feats[-16:])
        params = method.params()
        set_seed(42)
        model = method.build(loaded.model, loaded, Method.build_params(params))
        before = held_out_loss(model, held)
        lr = args.lr or float(params["learning_rate"])
        start = time.perf_counter()
        result = train(
            model,
            feats[:-16],
            tok.pad_token_id,
            settings,
            lr,
            seed=42,
            show_progress=False,
            optimizer=method.make_optimizer(model, params, lr, settings.weight_decay),
            on_step=method.step_callback(model, params),
        )
        after = held_out_loss(model, held)
        drop = 100.0 * (before - after) / before if math.isfinite(after) else float("nan")
        print(
            f"{name:24s} {lr:8.0e} {before:11.3f} {after:7.3f} {drop:7.1f} "
            f"{time.perf_counter() - start:5.0f}",
            flush=True,
        )
        del model, result


if __name__ == "__main__":
    main()
