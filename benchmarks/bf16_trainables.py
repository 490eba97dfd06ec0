"""Do trainable weights train in bf16? Changed entries after a short run, with and without the
float32 masters (issue 12: LN tuning's norms stayed bf16 and its 5e-5 updates rounded away).

For each model and method: load the model in bf16, build the method with its preset (its preset
learning rate), train `--steps` steps through the one cell path (`pipeline.execute`, batch 8 of
sarcasm-headline training examples, 64 tokens), and count the trainable entries whose value
changed. `old` runs the same with the float32 upcast switched off (the behaviour before the fix:
trainables stay in the model's dtype), in the same process, alternating with `new`.

    python benchmarks/bf16_trainables.py [--models tiny-llama,smollm2-135m] [--methods lntuning]
        [--steps 20]
"""

from __future__ import annotations

import argparse
import time

from _common import examples


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="tiny-llama,smollm2-135m")
    ap.add_argument("--methods", default="lntuning")
    ap.add_argument("--steps", type=int, default=20)
    args = ap.parse_args()

    from peftbench.config.schema import (
        EvaluationSettings,
        MeasurementSettings,
        ModelOptions,
        RunSpec,
        TrainingSettings,
    )
    from peftbench.methods import METHODS
    from peftbench.pipeline import CellData, CellHooks, execute
    from peftbench.training import trainer
    from peftbench.training.holdout import TrainSplit

    _, rows = examples("sarcasm", "train", 8 * args.steps)
    data = CellData(TrainSplit(rows, [], []), [])
    settings = TrainingSettings(max_steps=args.steps, batch_size=8, max_length=64)
    upcast = trainer.fp32_trainables
    print(f"{'model':14s} {'method':10s} {'lr':>7s} {'mode':4s} {'changed':>9s} {'of':>9s}")
    for model_name in args.models.split(","):
        for name in args.methods.split(","):
            params = METHODS.get(name).params()
            spec = RunSpec(
                model_name, name, "sarcasm", 42, params, settings,
                EvaluationSettings(), MeasurementSettings(), ModelOptions(dtype="bfloat16"),
            )  # fmt: skip
            for mode in ("old", "new"):
                trainer.fp32_trainables = upcast if mode == "new" else (lambda model: 0)
                before = {}

                def snapshot(model, before=before):
                    trainable = ((n, p) for n, p in model.named_parameters() if p.requires_grad)
                    before.update({n: p.detach().float().clone() for n, p in trainable})

                start = time.perf_counter()
                model = execute(spec, data, hooks=CellHooks(built=snapshot)).model
                after = {n: p.detach().float() for n, p in model.named_parameters() if n in before}
                changed = sum(int((after[n] != before[n]).sum()) for n in before)
                total = sum(t.numel() for t in before.values())
                print(
                    f"{model_name:14s} {name:10s} {float(params['learning_rate']):7.0e} {mode:4s} "
                    f"{changed:9d} {total:9d}  ({time.perf_counter() - start:.0f} s)",
                    flush=True,
                )
    trainer.fp32_trainables = upcast


if __name__ == "__main__":
    main()
