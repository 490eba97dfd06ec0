"""How fast this machine's load moves: per-step decode times of one model, one generation.

Times every decode step of one long greedy generation (SmolLM2, batch 1) and prints the spread
of the ratio between steps `lag` apart (sd of the log ratio). If the spread grows with the lag,
pairs of timings taken close together compare better than pairs taken far apart: the reason
the latency protocol pairs single decode steps in lockstep (docs/measurements.md). Session 5,
idle, 1 thread: 0.081 between adjacent steps, 0.139 ten steps (~1 s) apart, 0.211 forty apart
in one run (a scratch version of this script); 0.059, 0.075 and 0.082 in a quieter hour.

    python benchmarks/step_jitter.py [--threads 1] [--steps 400]
"""

from __future__ import annotations

import argparse
import time

import _common  # noqa: F401  (environment and warnings)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=400)
    args = ap.parse_args()

    import numpy as np
    import torch

    from peftbench.efficiency.latency import fixed_prompt
    from peftbench.evaluation.generate import greedy_steps
    from peftbench.models.hub import resolve

    torch.set_num_threads(args.threads)
    model = resolve("smollm2-135m").load({}).model.eval()
    prompt = fixed_prompt(64, model.get_input_embeddings().weight.shape[0])
    spans: list[float] = []
    steps = greedy_steps(model, [prompt], 0, args.steps)
    while True:
        start = time.perf_counter()
        try:
            next(steps)
        except StopIteration:
            break
        finally:
            spans.append(time.perf_counter() - start)
    step_ms = 1000 * np.array(spans[1:])  # without the prefill
    print(f"{len(step_ms)} steps, median {np.median(step_ms):.1f} ms, threads {args.threads}")
    for lag in (1, 2, 5, 10, 20, 40):
        ratio = step_ms[lag:] / step_ms[:-lag]
        print(f"lag {lag:3d} steps: sd of log ratio {np.log(ratio).std():.3f}")


if __name__ == "__main__":
    main()
