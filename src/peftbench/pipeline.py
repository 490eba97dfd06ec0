"""One cell of the grid, end to end, in this order: data -> model + method -> train -> evaluate
-> measure -> record. Every method goes through exactly these steps; nothing here names one.

`execute` is the one path that runs a cell (build -> train -> evaluate, and measure when asked):
`run` (through `run_cell`, which also writes the record), `tune`, the benchmarks and the method
contract tests all call it, so the method's whole training contract, the precision rules and the
held-out protocol are the same for every caller.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from peftbench.config.schema import RunSpec
from peftbench.datasets import DATASETS, Example, LoadContext
from peftbench.datasets.declared import dataset_of
from peftbench.efficiency.figures import (
    AdaptedFigures,
    AdapterFigures,
    MemoryFigures,
    TrainFigures,
)
from peftbench.errors import UserError
from peftbench.json_types import JSONObject
from peftbench.results.record import (
    DatasetProvenance,
    Efficiency,
    MethodProvenance,
    Metrics,
    Provenance,
    Stability,
    Status,
)
from peftbench.results.store import RunWriter
from peftbench.stability.measure import GeneralTask
from peftbench.training.holdout import TrainSplit, split_train

if TYPE_CHECKING:  # annotations only; importing torch here would slow every import
    from torch.nn import Module

    from peftbench.efficiency.latency_cache import LatencyCache
    from peftbench.evaluation.evaluate import EvalResult
    from peftbench.methods.base import Method
    from peftbench.models.base import LoadedModel
    from peftbench.training.trainer import Probe, TrainResult


def fingerprint(examples: list[Example]) -> str:
    blob = json.dumps([asdict(e) for e in examples], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _cap(*caps: int | None) -> int | None:
    """The smallest of the caps that are set (suite and dataset); None when neither is."""
    given = [c for c in caps if c]
    return min(given) if given else None


@dataclass(frozen=True)
class CellData:
    """The examples of one cell: the train split cut by `training.holdout`, and the eval split."""

    split: TrainSplit
    evals: list[Example]
    general: list[GeneralTask] = field(default_factory=list)  # stability's general tasks

    @property
    def train(self) -> list[Example]:
        return self.split.fit


def train_cap(spec: RunSpec) -> int | None:
    """How many train-split examples the cell's training pool takes (suite and dataset caps)."""
    return _cap(spec.training.max_train_examples, dataset_of(spec).max_train_examples)


def load_data(spec: RunSpec, ctx: LoadContext) -> CellData:
    """The cell's examples; held-out items (validation, learning-curve dev) come from train."""
    dataset = dataset_of(spec)
    train_split, eval_split = dataset.splits
    train_cap = _cap(spec.training.max_train_examples, dataset.max_train_examples)
    eval_cap = _cap(spec.evaluation.max_eval_examples, dataset.max_eval_examples)
    rows = dataset.load(train_split, ctx)
    evals = dataset.load(eval_split, ctx)[:eval_cap]
    for split_name, got in ((train_split, rows), (eval_split, evals)):
        if not got:
            raise UserError(
                f"dataset '{spec.dataset}' has no examples in split '{split_name}'",
                "check the data files or the max_*_examples caps",
            )
    curve = spec.evaluation.curve_examples if spec.evaluation.curve_every > 0 else 0
    split = split_train(rows, train_cap, spec.training.val_fraction, curve)
    return CellData(split, evals, general_tasks(spec, ctx))


def general_tasks(spec: RunSpec, ctx: LoadContext) -> list[GeneralTask]:
    """Stability's general tasks: the first `max_examples` items of each one's eval split."""
    out = []
    for name in spec.stability.tasks or ():
        task = DATASETS.get(name)
        items = task.load(task.splits[1], ctx)[: spec.stability.max_examples]
        if items:
            out.append(GeneralTask(task, items))
    return out


def load_examples(spec: RunSpec, ctx: LoadContext) -> tuple[list[Example], list[Example]]:
    """(examples the cell trains on, eval examples)."""
    data = load_data(spec, ctx)
    return data.train, data.evals


class Clock:
    """Wall time per phase, so a record shows where the time went."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases[phase] = self.phases.get(phase, 0.0) + now - self._t
        self._t = now


@dataclass
class CellHooks:
    """Optional looks inside a cell for tests and benchmarks; a run never depends on them."""

    loaded: Callable[[LoadedModel], None] | None = None  # the base model, before the method
    built: Callable[[Module], None] | None = None  # the method's model, before training
    probes: Sequence[Probe] = ()  # extra checks during training (see training.trainer.Probe)


@dataclass
class CellRun:
    """What one cell produced: the trained model and every figure the record is made of."""

    spec: RunSpec
    method: Method
    loaded: LoadedModel
    model: Module  # the method's model (the base model as the method built it)
    device: str
    base_params: int
    trainable: int
    total: int
    training: TrainResult | None = None
    evaluation: EvalResult | None = None
    curve: list[dict[str, float]] = field(default_factory=list)  # dev points, in step order
    # each dev point's parsed answers on the judge half (training.holdout.halves), for the
    # overshoot test; kept in memory only
    curve_judged: list[list[object]] = field(default_factory=list)
    stability: Stability | None = None  # drift and retention (measure_into given)
    adapter: AdapterFigures | None = None  # stored adapter sizes
    adapted: AdaptedFigures | None = None  # adapted-model measurements
    memory: MemoryFigures = field(default_factory=MemoryFigures)
    # the unmodified base model that latency is paired against; stability's drift and retention
    # reuse it (only forward passes run on it), so a cell loads the base once after training
    base_copy: Module | None = None


def execute(
    spec: RunSpec,
    data: CellData,
    *,
    progress: bool = False,
    measure_into: Path | None = None,
    hooks: CellHooks | None = None,
    clock: Clock | None = None,
    base_answers: Path | None = None,
    latency_cache: Path | None = None,
    learning_rate: float | None = None,
) -> CellRun:
    """Build `spec`'s method on its model, train it on `data.train`, evaluate on `data.evals`
    (skipped when empty) and, with `measure_into` (the adapter folder), measure base and adapted
    model (params, latency, FLOPs, memory, stability) as the run record needs them;
    `base_answers`: where the base model's general-task answers are cached across runs;
    `latency_cache`: where paired latency runs are kept for reuse across runs;
    `learning_rate`: the rate a learning-rate selection chose (None: the spec's own), given
    apart so the cell keeps its identity (run_id) while it trains at the chosen rate."""
    import torch
    from transformers import set_seed

    from peftbench.efficiency.params import count_parameters
    from peftbench.methods import METHODS
    from peftbench.models.hub import resolve

    hooks, clock = hooks or CellHooks(), clock or Clock()
    dataset, method = dataset_of(spec), METHODS.get(spec.method)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    measure = measure_into is not None
    if measure:
        # library code is not training memory: HF Trainer's import (datasets, pandas, pyarrow:
        # ~90 MB resident) happens before the baseline, not inside the first training step
        import transformers.trainer  # noqa: F401

        from peftbench.efficiency.memory import MemoryProbe

        probe = MemoryProbe.start(device)
    loaded = resolve(spec.model).load(asdict(spec.model_options))
    model, tok = loaded.model.to(device), loaded.tokenizer
    if hooks.loaded:
        hooks.loaded(loaded)
    _, base_params = count_parameters(model)
    clock.lap("load")

    if measure:
        probe.rearm()  # the training peak must not include loading the model

    set_seed(spec.seed)  # before the adapter is created, so its init is reproducible
    params = spec.method_params
    model = method.build(model, loaded, method.build_params(params))
    trainable, total = count_parameters(model)
    if hooks.built:
        hooks.built(model)
    clock.lap("load")

    run = CellRun(spec, method, loaded, model, device, base_params, trainable, total)
    if method.trains:
        run.training = _train(run, data, progress, hooks, learning_rate)
        run.memory = MemoryFigures.read(probe.peak()) if measure else MemoryFigures()
    else:
        run.memory = MemoryFigures(peak_train_mem_mb=0.0, memory_kind="no training")
    clock.lap("train")

    if data.evals:
        from peftbench.evaluation.evaluate import evaluate

        run.evaluation = evaluate(model, tok, dataset, data.evals, spec.evaluation, progress)
        clock.lap("eval")

    if measure_into is not None:
        _measure_adapted(run, measure_into, latency_cache)
        clock.lap("measure")
        run.stability = _measure_stability(run, data, base_answers)
        run.base_copy = None  # measured: its memory goes back before the next cell
        clock.lap("stability")
    return run


def _measure_stability(run: CellRun, data: CellData, cache: Path | None) -> Stability | None:
    """Drift on general text and retention on general tasks (docs/measurements.md)."""
    from peftbench.stability.measure import BaseAnswerCache, measure_stability

    spec, settings = run.spec, run.spec.stability
    if settings.text_tokens == 0 and not data.general:
        return None

    options = json.dumps(asdict(spec.model_options), sort_keys=True)
    measured = measure_stability(
        run.model,
        run.loaded.tokenizer,
        lambda: run.base_copy,  # loaded by _measure_adapted, which always runs first
        settings.text_tokens,
        data.general,
        spec.evaluation,
        model_key=f"{spec.model} {options}",
        cache=BaseAnswerCache(cache),
        adapted_is_base=run.method.unchanged,
    )
    return Stability(**measured)


def _train(
    run: CellRun, data: CellData, progress: bool, hooks: CellHooks, rate: float | None
) -> TrainResult:
    """Train through the one training loop, with the learning curve when the suite asks for it."""
    from peftbench.training.data import train_features
    from peftbench.training.trainer import Probe, train

    spec, tok = run.spec, run.loaded.tokenizer
    dataset = dataset_of(spec)

    def features(examples: list[Example]) -> list[dict[str, list[int]]]:
        return train_features(tok, dataset, examples, spec.training.max_length)

    probes = list(hooks.probes)
    if spec.evaluation.curve_every > 0 and data.split.dev:
        probes.append(Probe(spec.evaluation.curve_every, _curve_probe(run, data.split.dev)))
    params = spec.method_params if rate is None else {**spec.method_params, "learning_rate": rate}
    return train(
        run.model,
        run.method,
        params,
        features(data.train),
        tok.pad_token_id,
        spec.training,
        spec.seed,
        progress,
        validation=features(data.split.validation) or None,
        probes=probes,
    )


def _curve_probe(run: CellRun, dev: list[Example]) -> Callable[[int], None]:
    """A learning-curve point: dev loss and dev score (greedy decode, the task metric), and the
    score on each half of the slice (training.holdout.curve_summary: select and judge)."""
    from peftbench.evaluation.evaluate import evaluate
    from peftbench.metrics import METRICS
    from peftbench.training.data import train_features
    from peftbench.training.holdout import halves, held_out_loss

    spec, tok = run.spec, run.loaded.tokenizer
    dataset = dataset_of(spec)
    feats = train_features(tok, dataset, dev, spec.training.max_length)
    metric = METRICS.get(dataset.metric)
    select, judge = halves(len(dev))

    def point(step: int) -> None:
        loss = held_out_loss(run.model, feats, tok.pad_token_id)
        ev = evaluate(run.model, tok, dataset, dev, spec.evaluation, False)
        parsed = [p["parsed"] for p in ev.predictions]

        def on(idx: list[int]) -> float:
            return metric([parsed[i] for i in idx], [dev[i].gold for i in idx])

        halves_ = {"select_score": on(select), "judge_score": on(judge)} if judge else {}
        run.curve.append({"step": step, "dev_loss": loss, "dev_score": ev.score, **halves_})
        run.curve_judged.append([parsed[i] for i in judge])

    return point


def _curve(run: CellRun, data: CellData) -> JSONObject | None:
    """The learning curve's record entry (None when the suite does not ask for one)."""
    from peftbench.metrics import METRICS
    from peftbench.training.holdout import curve_json, curve_summary, drop_p_value, halves

    every = run.spec.evaluation.curve_every
    if every <= 0 or not run.method.trains:
        return None
    metric = METRICS.get(dataset_of(run.spec).metric)
    dev = data.split.dev
    golds = [dev[i].gold for i in halves(len(dev))[1]]

    def drop_test(best: int, final: int) -> float:
        judged = run.curve_judged
        return drop_p_value(metric, judged[best], judged[final], golds, metric.higher_is_better)

    summary = curve_summary(run.curve, metric.higher_is_better, len(dev), drop_test)
    return {"every": every, "dev_examples": len(dev), **curve_json(summary)}


def _load_base(run: CellRun) -> Module:
    """A fresh, unmodified copy of the base model (the reference that measurements compare to)."""
    from peftbench.models.hub import resolve

    spec = run.spec
    return resolve(spec.model).load(asdict(spec.model_options)).model.to(run.device).eval()


def _latency_cache(run: CellRun, folder: Path | None) -> LatencyCache | None:
    """The results folder's latency cache for this cell's adapter structure (None: time it)."""
    from peftbench.efficiency.latency_cache import LatencyCache
    from peftbench.efficiency.units import device_label

    spec = run.spec
    if folder is None or not spec.measurement.latency.reuse:
        return None
    structure = {
        "model": spec.model,
        "model_options": asdict(spec.model_options),
        "device": device_label(run.device),
        "method": spec.method,
        "build": run.method.build_params(spec.method_params),
        "params": [run.base_params, run.trainable, run.total],
        "adapter": run.adapter.to_json() if run.adapter else None,
        "latency": asdict(spec.measurement.latency),
    }
    return LatencyCache(folder, json.loads(json.dumps(structure, default=str)), spec.run_id)


def _measure_adapted(run: CellRun, folder: Path, latency_cache: Path | None = None) -> None:
    """Paired latency (docs/measurements.md): a fresh, unmodified copy of the base model is timed
    interleaved with the deployed (and merged) forms, in this process, on the same prompt."""
    from peftbench.efficiency.measure import measure_adapted
    from peftbench.efficiency.params import save_adapter

    tok, method, loaded = run.loaded.tokenizer, run.method, run.loaded
    vocab = run.model.get_input_embeddings().weight.shape[0]
    run.adapter = AdapterFigures.read(save_adapter(run.model, folder))
    run.base_copy = _load_base(run)
    run.adapted = measure_adapted(
        run.model,
        run.base_copy,
        run.base_params,
        vocab,
        tok.pad_token_id,
        run.spec.measurement,
        folder,
        method.mergeable,
        reload=lambda fresh, path: method.load_saved(fresh, loaded, path),
        seed=run.spec.seed,
        cache=_latency_cache(run, latency_cache),
    )


def write_record(run: CellRun, data: CellData, writer: RunWriter) -> Status:
    """The run's files from what the cell produced, as the typed record's parts (committed by
    `cell.run_cell`)."""
    from peftbench.results.provenance import environment

    spec, method, dataset = run.spec, run.method, dataset_of(run.spec)
    ev = run.evaluation
    assert ev is not None
    writer.jsonl("train_log.jsonl", run.training.log if run.training else [])
    writer.jsonl("predictions.jsonl", ev.predictions)
    writer.record(
        Metrics(
            score=ev.score,
            metric=dataset.metric,
            values={**ev.metrics, **paper_score(dataset.name, ev.metrics)},
            invalid_rate=ev.invalid_rate,
            eval_examples=len(data.evals),
            eval_seconds=ev.seconds,
            generated_tokens=ev.generated_tokens,
            learning_curve=_curve(run, data),
        )
    )
    writer.record(_efficiency(run, data))
    writer.record(
        Provenance(
            environment=environment(),
            model=dict(run.loaded.provenance),
            dataset=DatasetProvenance(
                name=dataset.name,
                version=dataset.version,
                source=dataset.source,
                train_examples=len(data.train),
                eval_examples=len(data.evals),
                train_fingerprint=fingerprint(data.train),
                eval_fingerprint=fingerprint(data.evals),
            ),
            method=MethodProvenance(
                name=method.name,
                provider=method.provider,
                preset_source=method.source,
                notes=getattr(run.model, "peftbench_notes", None),
            ),
            seed=spec.seed,
        )
    )
    if run.stability is not None:
        writer.record(run.stability)
    return Status(status="ok", run_id=spec.run_id, score=ev.score)


def _training_figures(run: CellRun, data: CellData) -> TrainFigures:
    result = run.training
    if result is None:
        return TrainFigures(trained=run.method.trains)
    return TrainFigures(
        trained=run.method.trains,
        steps=result.steps,
        train_seconds=result.train_seconds,
        tokens=result.tokens,
        tokens_per_second=result.tokens_per_second,
        final_loss=result.final_loss,
        upcast_trainable_entries=result.upcast_entries,
        probe_seconds=result.probe_seconds,
        loss_logits=result.loss_logits,  # labelled positions only, or all and why
        # the original's protocol: held-out loss per checkpoint, the one the model ended with
        val_examples=len(data.split.validation),
        val_checkpoints=result.checkpoints,
        selected_step=result.selected_step if data.split.validation else result.steps,
    )


def _efficiency(run: CellRun, data: CellData) -> Efficiency:
    """efficiency.json from the typed figure groups, checked like every reader checks it."""
    from peftbench.efficiency.units import device_label, figures

    assert run.adapter is not None and run.adapted is not None
    head: JSONObject = {
        "device": run.device,
        "device_name": device_label(run.device),
        "trainable_params": run.trainable,
        "total_params": run.total,
        "base_params": run.base_params,
        "trainable_pct": 100.0 * run.trainable / run.base_params,
        "flops_tokens": run.spec.measurement.flops_tokens,
    }
    for group in (run.adapter, run.adapted, run.memory, _training_figures(run, data)):
        head.update(group.to_json())
    # every number with its unit and device (docs/measurements.md defines each)
    each = figures(head, device_label(run.device))
    head["units"] = {k: f["unit"] for k, f in each.items()}
    head["figures"] = {k: f for k, f in each.items()}
    return Efficiency.from_json(head)


def paper_score(dataset: str, metrics: dict[str, float]) -> JSONObject:
    """PEFT-Bench's headline for the dataset, recorded beside the official one (both always, so
    `scoring.task_metric` chooses at report time; datasets/paper_metrics.py)."""
    from peftbench.datasets.paper_metrics import paper_metric

    name = paper_metric(dataset)
    if name is None:
        return {}
    return {"paper_metric": name, "paper_score": metrics[name]}
