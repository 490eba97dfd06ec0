"""Task score: batched greedy generation, the dataset's parser, the dataset's metric(s)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from peftbench.config.schema import EvaluationSettings
from peftbench.datasets.base import DatasetSpec, Example
from peftbench.datasets.paper_metrics import paper_metric
from peftbench.datasets.prompt import prompt_ids
from peftbench.evaluation.generate import greedy_generate
from peftbench.metrics import METRICS

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch.nn import Module
    from transformers import PreTrainedTokenizerBase as Tokenizer


class Prediction(TypedDict):
    """One line of predictions.jsonl."""

    id: str
    prompt: str
    output: str  # the generated text
    parsed: object  # what the dataset's parser read from it (None: unparseable)
    gold: object  # as `_readable` writes it
    scores: dict[str, float]  # per-item scores of the metrics that are a mean over items


@dataclass
class EvalResult:
    score: float  # headline metric, 0-100
    metrics: dict[str, float]
    invalid_rate: float  # share of outputs the dataset's parser could not read
    predictions: list[Prediction]
    seconds: float
    generated_tokens: int


def stop_ids(tokenizer: Tokenizer) -> frozenset[int]:
    ids = {tokenizer.eos_token_id}
    gen_eos = getattr(getattr(tokenizer, "generation_config", None), "eos_token_id", None)
    if isinstance(gen_eos, int):
        ids.add(gen_eos)
    return frozenset(i for i in ids if i is not None)


def evaluate(
    model: Module,
    tokenizer: Tokenizer,
    spec: DatasetSpec,
    examples: Sequence[Example],
    settings: EvaluationSettings,
    show_progress: bool = True,
) -> EvalResult:
    from tqdm.auto import tqdm

    encoded = [prompt_ids(tokenizer, spec, ex) for ex in examples]
    order = sorted(range(len(examples)), key=lambda i: len(encoded[i]))  # similar lengths batch
    max_new = settings.max_new_tokens or spec.max_new_tokens
    texts: list[str] = [""] * len(examples)
    n_tokens = 0
    start = time.perf_counter()
    bar = tqdm(  # position 1: the line under the grid bar of the parent process
        total=len(examples),
        desc=f"eval {spec.name}",
        disable=not show_progress,
        leave=False,
        position=1,
    )
    for lo in range(0, len(order), settings.batch_size):
        idx = order[lo : lo + settings.batch_size]
        new = greedy_generate(
            model,
            [encoded[i] for i in idx],
            tokenizer.pad_token_id,
            max_new,
            stop_ids=stop_ids(tokenizer),
            stop_text=("\n",) if spec.stop_at_newline else (),
            tokenizer=tokenizer,
        )
        for i, toks in zip(idx, new, strict=True):
            texts[i] = tokenizer.decode(toks, skip_special_tokens=True)
            n_tokens += len(toks)
        bar.update(len(idx))
    bar.close()
    seconds = time.perf_counter() - start
    parsed = [spec.parse(t) for t in texts]
    golds = [ex.gold for ex in examples]
    scored = {name: METRICS.get(name).score(parsed, golds) for name in metric_names(spec)}
    metrics = {name: value for name, (value, _) in scored.items()}
    items = {name: per_item for name, (_, per_item) in scored.items() if per_item is not None}
    invalid = sum(p is None for p in parsed) / len(parsed)
    predictions: list[Prediction] = [
        {
            "id": ex.id,
            "prompt": ex.prompt,
            "output": t,
            "parsed": p,
            "gold": _readable(ex.gold),
            # per-item scores of the metrics that are a mean over items (the score intervals
            # resample them); whole-set metrics are recomputed from `parsed` and `gold`
            "scores": {name: per_item[i] for name, per_item in items.items()},
        }
        for i, (ex, t, p) in enumerate(zip(examples, texts, parsed, strict=True))
    ]
    return EvalResult(metrics[spec.metric], metrics, invalid, predictions, seconds, n_tokens)


def metric_names(spec: DatasetSpec) -> tuple[str, ...]:
    """The dataset's metrics (headline first), and PEFT-Bench's headline for it when that is
    another metric (`scoring.task_metric: paper` reads it from the record)."""

    names = (spec.metric, *spec.extra_metrics)
    paper = paper_metric(spec.name)
    return names if paper is None or paper in names else (*names, paper)


GOLD_CHARS = 2000


def _readable(gold: object) -> object:
    """The gold as written to predictions.jsonl: large golds (APPS test suites) become a digest."""

    text = json.dumps(gold, default=str)
    if len(text) <= GOLD_CHARS:
        return gold
    return {
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "chars": len(text),
        "head": text[:200],
    }
