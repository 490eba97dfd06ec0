"""One cell of the grid, end to end, in this order: data -> model + method -> train -> evaluate
-> measure -> record. Every method goes through exactly these steps; nothing here names one.
"""

from __future__ import annotations

import hashlib
import json
import time
import traceback
from dataclasses import asdict
from typing import Any

from peftbench.config.schema import RunSpec
from peftbench.datasets import Example, LoadContext
from peftbench.datasets.declared import dataset_of
from peftbench.errors import UserError
from peftbench.quiet import quiet_libraries
from peftbench.results.record import Efficiency, Metrics, Provenance, RunConfig, Status
from peftbench.results.store import ResultsStore


def fingerprint(examples: list[Example]) -> str:
    blob = json.dumps([asdict(e) for e in examples], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _cap(*caps: int | None) -> int | None:
    """The smallest of the caps that are set (suite and dataset); None when neither is."""
    given = [c for c in caps if c]
    return min(given) if given else None


def load_examples(spec: RunSpec, ctx: LoadContext) -> tuple[list[Example], list[Example]]:
    dataset = dataset_of(spec)
    train_split, eval_split = dataset.splits
    train_cap = _cap(spec.training.max_train_examples, dataset.max_train_examples)
    eval_cap = _cap(spec.evaluation.max_eval_examples, dataset.max_eval_examples)
    train = dataset.load(train_split, ctx)[:train_cap]
    evals = dataset.load(eval_split, ctx)[:eval_cap]
    for split, rows in ((train_split, train), (eval_split, evals)):
        if not rows:
            raise UserError(
                f"dataset '{spec.dataset}' has no examples in split '{split}'",
                "check the data files or the max_*_examples caps",
            )
    return train, evals


class Clock:
    """Wall time per phase, so a record shows where the time went."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases[phase] = self.phases.get(phase, 0.0) + now - self._t
        self._t = now


def run_cell(
    spec: RunSpec, store: ResultsStore, ctx: LoadContext, progress: bool = True
) -> dict[str, Any]:
    """Run one cell and commit its record (ok or failed). Returns status.json as written."""
    quiet_libraries()
    writer = store.writer(spec.run_id)
    writer.record(RunConfig.of(spec))
    clock = Clock()
    started = time.time()
    try:
        status = _run(spec, writer, ctx, clock, progress)
    except Exception as exc:  # recorded, and the grid goes on
        status = Status.failed(spec.run_id, f"{type(exc).__name__}: {exc}", traceback.format_exc())
    status = status.finished(started, time.time() - started, clock.phases)
    writer.commit(status)
    return status.to_json()


def _run(spec: RunSpec, writer: Any, ctx: LoadContext, clock: Clock, progress: bool) -> Status:
    import torch
    from transformers import set_seed

    from peftbench.efficiency.figures import device_label, figures
    from peftbench.efficiency.measure import measure_adapted, measure_base
    from peftbench.efficiency.memory import MemoryProbe
    from peftbench.efficiency.params import count_parameters, save_adapter
    from peftbench.evaluation.evaluate import evaluate
    from peftbench.methods import METHODS, Method
    from peftbench.models.hub import resolve
    from peftbench.results.provenance import environment
    from peftbench.training.data import train_features
    from peftbench.training.trainer import train

    dataset, method = dataset_of(spec), METHODS.get(spec.method)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_ex, eval_ex = load_examples(spec, ctx)
    clock.lap("data")

    # library code is not training memory: HF Trainer's import (datasets, pandas, pyarrow: ~90 MB
    # resident) happens before the baseline, not inside the first training step
    import transformers.trainer  # noqa: F401

    probe = MemoryProbe.start(device)
    loaded = resolve(spec.model).load(asdict(spec.model_options))
    model, tok = loaded.model.to(device), loaded.tokenizer
    vocab = model.get_input_embeddings().weight.shape[0]
    _, base_params = count_parameters(model)
    clock.lap("load")

    m = spec.measurement
    base = measure_base(model, vocab, tok.pad_token_id, m)  # same process, inputs, settings
    probe.rearm()  # the training peak must not include the base measurements
    clock.lap("measure")

    set_seed(spec.seed)  # before the adapter is created, so its init is reproducible
    model = method.build(model, loaded, Method.build_params(spec.method_params))
    trainable, total = count_parameters(model)
    clock.lap("load")

    train_info: dict[str, Any] = {"trained": method.trains}
    if method.trains:
        feats = train_features(tok, dataset, train_ex, spec.training.max_length)
        lr = float(spec.method_params["learning_rate"])
        result = train(
            model,
            feats,
            tok.pad_token_id,
            spec.training,
            lr,
            spec.seed,
            progress,
            optimizer=method.make_optimizer(
                model, spec.method_params, lr, spec.training.weight_decay
            ),
            on_step=method.step_callback(model, spec.method_params),
        )
        memory = probe.peak()
        train_info.update(
            steps=result.steps,
            train_seconds=result.train_seconds,
            tokens=result.tokens,
            tokens_per_second=result.tokens_per_second,
            final_loss=result.final_loss,
        )
        writer.jsonl("train_log.jsonl", result.log)
    else:
        memory = {"peak_train_mem_mb": 0.0, "memory_kind": "no training"}
        writer.jsonl("train_log.jsonl", [])
    clock.lap("train")

    ev = evaluate(model, tok, dataset, eval_ex, spec.evaluation, progress)
    writer.jsonl("predictions.jsonl", ev.predictions)
    clock.lap("eval")

    adapter = save_adapter(model, writer.path("adapter"))
    adapted = measure_adapted(
        model,
        base,
        base_params,
        vocab,
        tok.pad_token_id,
        m,
        writer.path("adapter"),
        method.mergeable,
        reload=lambda fresh, folder: method.load_saved(fresh, loaded, folder),
    )
    clock.lap("measure")

    efficiency = {
        "device": device,
        "device_name": device_label(device),
        "trainable_params": trainable,
        "total_params": total,
        "base_params": base_params,
        "trainable_pct": 100.0 * trainable / base_params,
        **adapter,
        **adapted,
        "flops_tokens": m.flops_tokens,
        **memory,
        **train_info,
    }
    # every number with its unit and device (docs/measurements.md defines each)
    efficiency["figures"] = figures(efficiency, efficiency["device_name"])
    efficiency["units"] = {k: f["unit"] for k, f in efficiency["figures"].items()}
    metrics = Metrics(
        score=ev.score,
        metric=dataset.metric,
        values=dict(ev.metrics),
        invalid_rate=ev.invalid_rate,
        eval_examples=len(eval_ex),
        eval_seconds=ev.seconds,
        generated_tokens=ev.generated_tokens,
    )
    writer.record(metrics)
    writer.record(Efficiency.from_json(efficiency))  # checked like every reader checks it
    writer.record(
        Provenance(
            {
                **environment(),
                "model": loaded.provenance,
                "dataset": {
                    "name": dataset.name,
                    "version": dataset.version,
                    "source": dataset.source,
                    "train_examples": len(train_ex),
                    "eval_examples": len(eval_ex),
                    "train_fingerprint": fingerprint(train_ex),
                    "eval_fingerprint": fingerprint(eval_ex),
                },
                "method": {
                    "name": method.name,
                    "provider": method.provider,
                    "preset_source": method.source,
                    "notes": getattr(model, "peftbench_notes", None),
                },
                "seed": spec.seed,
            }
        )
    )
    return Status(status="ok", run_id=spec.run_id, score=ev.score)
