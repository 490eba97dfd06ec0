"""How repeatable the latency protocol is on this machine (issue: CV <= 5%).

Measures the base model (default: SmolLM2-135M, the default suite's model) `--measurements` times
with the full protocol, in one process, for each latency setting given. Prints, per setting:

- within: the coefficient of variation of the timed repeats inside one measurement (what each
  record stores as `latency_cv` / `prefill_cv`), median over the measurements;
- between: the CV of the reported medians across measurements, i.e. how much the figure a
  record carries moves when the same model is measured again.

Also prints the 1-minute load average before and after: on a shared machine, load from other
processes is the main source of spread.

    python benchmarks/latency_cv.py [--model smollm2-135m] [--measurements 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import warnings

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
warnings.filterwarnings("ignore")

SETTINGS = {
    "default suite (64+8 tokens, warmup 1, repeats 5)": dict(
        prompt_tokens=64, new_tokens=8, warmup=1, repeats=5
    ),
    "schema default (64+16 tokens, warmup 2, repeats 5)": dict(
        prompt_tokens=64, new_tokens=16, warmup=2, repeats=5
    ),
}


def cv(xs: list[float]) -> float:
    return statistics.stdev(xs) / statistics.fmean(xs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--measurements", type=int, default=5)
    args = ap.parse_args()

    import torch

    from peftbench.config.schema import LatencySettings
    from peftbench.efficiency.latency import measure_latency
    from peftbench.efficiency.units import device_label
    from peftbench.models.hub import resolve

    loaded = resolve(args.model).load({})
    model, tok = loaded.model.eval(), loaded.tokenizer
    vocab = model.get_input_embeddings().weight.shape[0]
    report: dict = {
        "model": args.model,
        "device": device_label("cuda" if torch.cuda.is_available() else "cpu"),
        "load_avg_1min_before": os.getloadavg()[0],
        "settings": {},
    }
    for name, kw in SETTINGS.items():
        runs = [
            measure_latency(model, vocab, tok.pad_token_id, LatencySettings(**kw))
            for _ in range(args.measurements)
        ]
        report["settings"][name] = {
            "decode_ms_per_token_medians": [round(r["latency_ms_per_token"], 3) for r in runs],
            "prefill_ms_medians": [round(r["prefill_ms"], 3) for r in runs],
            "decode_cv_within_median": statistics.median(r["latency_cv"] for r in runs),
            "prefill_cv_within_median": statistics.median(r["prefill_cv"] for r in runs),
            "decode_cv_between": cv([r["latency_ms_per_token"] for r in runs]),
            "prefill_cv_between": cv([r["prefill_ms"] for r in runs]),
        }
    report["load_avg_1min_after"] = os.getloadavg()[0]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
