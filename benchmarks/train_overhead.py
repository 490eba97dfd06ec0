"""Training overhead: peftbench's training loop vs a minimal hand-written PyTorch loop.

Both train the same peft LoRA model on SmolLM2-135M with the same batches (batch 8, prompts from
the sarcasm task padded to 64 tokens), the same AdamW and learning rate; measured alternately
(A, B, A, B, ...) in one process so drift hits both. Prints steps/s of each and their ratio
(issue target: peftbench >= 0.95 of the hand loop).

    python benchmarks/train_overhead.py [--steps 6] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from _common import examples, lora_model


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    import torch

    from peftbench.config.schema import TrainingSettings
    from peftbench.methods import METHODS
    from peftbench.training.data import PadCollator, train_features
    from peftbench.training.trainer import train

    model, loaded = lora_model()
    spec, exs = examples("sarcasm", "train", 8 * args.steps)
    feats = train_features(loaded.tokenizer, spec, exs, 64)
    # pad every example to 64 tokens so both loops see identical shapes
    pad = loaded.tokenizer.pad_token_id
    feats = [
        {
            "input_ids": f["input_ids"] + [pad] * (64 - len(f["input_ids"])),
            "labels": f["labels"] + [-100] * (64 - len(f["labels"])),
        }
        for f in feats
    ]
    settings = TrainingSettings(
        max_steps=args.steps,
        batch_size=8,
        warmup_ratio=0.0,
        lr_scheduler="constant",
        logging_steps=10**6,
    )
    collate = PadCollator(pad)

    def ours() -> float:
        start = time.perf_counter()
        lora = METHODS.get("lora")
        params = lora.params({"learning_rate": 1e-4})
        train(model, lora, params, feats, pad, settings, seed=0, show_progress=False)
        return args.steps / (time.perf_counter() - start)

    def hand() -> float:
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=1e-5)
        model.train()
        start = time.perf_counter()
        for i in range(args.steps):
            batch = collate(feats[i * 8 : (i + 1) * 8])
            loss = model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)  # the Trainer clips too
            opt.step()
            opt.zero_grad(set_to_none=True)
        model.eval()
        return args.steps / (time.perf_counter() - start)

    ours(), hand()  # warm-up, untimed
    a, b = [], []
    for _ in range(args.rounds):
        a.append(ours())
        b.append(hand())
    ra, rb = statistics.median(a), statistics.median(b)
    print(f"peftbench trainer: {ra:.3f} steps/s  (rounds: {[round(x, 3) for x in a]})")
    print(f"hand-written loop: {rb:.3f} steps/s  (rounds: {[round(x, 3) for x in b]})")
    print(f"ratio peftbench/hand: {ra / rb:.3f}  (target >= 0.95)")


if __name__ == "__main__":
    main()
