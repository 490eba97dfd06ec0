"""Evaluation speed: peftbench's batched greedy evaluation vs a bare batched `generate`.

Same LoRA model on SmolLM2-135M, same prompts (arithmetic eval split, chat template), same batch
size and max new tokens, greedy. The bare baseline is HF `generate` with left padding, stopping
at EOS like ours. Prints prompts/s of each and the ratio (issue target: >= 0.9).

    python benchmarks/eval_speed.py [--prompts 256] [--batch 32]
"""

from __future__ import annotations

import argparse
import time

from _common import examples, lora_model


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", type=int, default=256)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--dataset", default="arithmetic")
    args = ap.parse_args()

    import torch

    from peftbench.config.schema import EvaluationSettings
    from peftbench.datasets.prompt import prompt_ids
    from peftbench.evaluation.evaluate import evaluate
    from peftbench.evaluation.generate import left_pad

    model, loaded = lora_model()
    tok = loaded.tokenizer
    spec, exs = examples(args.dataset, "eval", args.prompts)
    settings = EvaluationSettings(batch_size=args.batch)

    def ours() -> float:
        start = time.perf_counter()
        evaluate(model, tok, spec, exs, settings, show_progress=False)
        return len(exs) / (time.perf_counter() - start)

    def bare() -> float:
        encoded = sorted((prompt_ids(tok, spec, e) for e in exs), key=len)
        start = time.perf_counter()
        with torch.inference_mode():
            for lo in range(0, len(encoded), args.batch):
                ids, mask = left_pad(encoded[lo : lo + args.batch], tok.pad_token_id, "cpu")
                model.generate(
                    input_ids=ids,
                    attention_mask=mask,
                    do_sample=False,
                    max_new_tokens=spec.max_new_tokens,
                    pad_token_id=tok.pad_token_id,
                    eos_token_id=tok.eos_token_id,
                )
        return len(exs) / (time.perf_counter() - start)

    ours(), bare()  # warm-up
    a, b = ours(), bare()
    a2, b2 = ours(), bare()
    ra, rb = max(a, a2), max(b, b2)
    print(f"peftbench evaluate: {ra:.2f} prompts/s  (runs {a:.2f}, {a2:.2f})")
    print(f"bare generate:      {rb:.2f} prompts/s  (runs {b:.2f}, {b2:.2f})")
    print(f"ratio peftbench/bare: {ra / rb:.3f}  (target >= 0.9)")


if __name__ == "__main__":
    main()
