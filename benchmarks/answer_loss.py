"""Training step time: the loss from the labelled positions' logits vs HF's full-logits loss.

One peft LoRA model, the same real training batches (batch 8, answer-only labels), forward +
backward with each loss, alternated (A, B, A, B, ...) in one process so the machine's drift hits
both. Prints the median seconds per step of each, their ratio and the largest loss difference.

    python benchmarks/answer_loss.py [--model smollm2-135m] [--dataset exam-langid] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from _common import examples, lora_model


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--dataset", default="exam-langid")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    import torch

    from peftbench.training.data import PadCollator, train_features
    from peftbench.training.loss import LossPlan, loss_plan, summed_loss

    model, loaded = lora_model(args.model)
    model.train()
    spec, exs = examples(args.dataset, "train", 8 * args.rounds)
    feats = train_features(loaded.tokenizer, spec, exs, 64)
    collate = PadCollator(loaded.tokenizer.pad_token_id)
    batches = [collate(feats[i : i + 8]) for i in range(0, len(feats), 8)]
    plans = {"labelled": loss_plan(model), "full": LossPlan("full", reason="reference")}
    seconds: dict[str, list[float]] = {k: [] for k in plans}
    diffs = []
    for batch in batches:
        losses = {}
        for name, plan in plans.items():
            torch.manual_seed(0)  # the same dropout masks for both
            start = time.perf_counter()
            total, count = summed_loss(model, batch, plan)
            loss = total / count
            loss.backward()
            seconds[name].append(time.perf_counter() - start)
            model.zero_grad(set_to_none=True)
            losses[name] = loss.item()
        diffs.append(abs(losses["labelled"] - losses["full"]))
    med = {k: statistics.median(v) for k, v in seconds.items()}
    print(f"model {args.model}, plan {plans['labelled']}, load {os.getloadavg()[0]:.2f}")
    for name, v in seconds.items():
        print(f"{name:9s} median {med[name]:.3f} s/step  ({', '.join(f'{s:.2f}' for s in v)})")
    print(f"labelled/full time ratio {med['labelled'] / med['full']:.3f}")
    print(f"max |loss difference| {max(diffs):.2e}")


if __name__ == "__main__":
    main()
