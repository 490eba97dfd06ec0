"""Prompt-learning evaluation: one padded batch with the shared head vs equal-length sub-batches.

Paired, in one process, same model and prompts, interleaved (A B B A): `evaluate` with the
decoder's path for virtual tokens it computes itself ("new") against the same decoder forced onto
the equal-length sub-batch path that peft-only types keep ("old"). Per method (preset, untrained:
speed does not depend on the trained values) prints seconds per round and whether the two paths
gave the same outputs (they should, up to float summation order).

    python benchmarks/prompt_decode_speed.py [--prompts 100] [--methods prompt_tuning,prefix_tuning]
"""

from __future__ import annotations

import argparse
import os

from _common import examples


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", type=int, default=100)
    ap.add_argument("--dataset", default="exam-langid")
    ap.add_argument("--methods", default="prompt_tuning,prefix_tuning")
    ap.add_argument("--model", default="smollm2-135m")
    args = ap.parse_args()

    import torch

    import peftbench.evaluation.generate as generate
    from peftbench.config.schema import EvaluationSettings
    from peftbench.evaluation.evaluate import evaluate
    from peftbench.methods import METHODS, Method
    from peftbench.models.hub import resolve

    computed = generate.virtual_kind

    def sub_batches(model: object) -> str:
        kind = computed(model)
        return "opaque" if kind in ("embeddings", "kv") else kind

    spec, exs = examples(args.dataset, "eval", args.prompts)
    settings = EvaluationSettings()
    load = os.getloadavg()
    print(f"{args.prompts} {args.dataset} prompts, batch {settings.batch_size}, load {load}")
    for name in args.methods.split(","):
        loaded = resolve(args.model).load({})
        method = METHODS.get(name)
        torch.manual_seed(0)
        model = method.build(loaded.model, loaded, Method.build_params(method.preset)).eval()
        evaluate(model, loaded.tokenizer, spec, exs[:8], settings, show_progress=False)  # warm-up
        runs: dict[str, list[float]] = {"new": [], "old": []}
        outputs: dict[str, list[str]] = {}
        for path in ("new", "old", "old", "new"):
            generate.virtual_kind = computed if path == "new" else sub_batches  # type: ignore[assignment]
            result = evaluate(model, loaded.tokenizer, spec, exs, settings, show_progress=False)
            runs[path].append(result.seconds)
            outputs[path] = [p["output"] for p in result.predictions]
        generate.virtual_kind = computed  # type: ignore[assignment]
        same = sum(a == b for a, b in zip(outputs["new"], outputs["old"], strict=True))
        new = " ".join(f"{x:.1f}" for x in runs["new"])
        old = " ".join(f"{x:.1f}" for x in runs["old"])
        ratio = sum(runs["old"]) / sum(runs["new"])
        print(f"{name}: new {new} s, old {old} s, old/new {ratio:.2f}x, same {same}/{len(exs)}")
    print(f"load at end {os.getloadavg()}")


if __name__ == "__main__":
    main()
