"""Stability figures of one cell: general-text drift and general-task retention.

Called by the pipeline after evaluation, with the fine-tuned model and a way to get the base
model (`fresh_base`: a fresh load of the same weights, on the same device and dtype). The base
model's answers on the general tasks depend only on the model and the items, so they are computed
once per results folder and kept in `base_cache` (like the base latency, they are a property of
the model, not of the run); drift needs the base model's whole next-token distribution at every
position, which is too large to keep, so the base is loaded again for it (for a 135M model that
is ~0.2 s from the converted cache).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from peftbench.datasets.base import DatasetSpec, Example
from peftbench.evaluation import evaluate as decoding  # by module: tests count its calls
from peftbench.json_types import JSONObject
from peftbench.metrics import METRICS
from peftbench.results.atomic import write_json
from peftbench.stability.drift import measure_drift
from peftbench.stability.text import general_text

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch.nn import Module
    from transformers import PreTrainedTokenizerBase as Tokenizer

    from peftbench.config.schema import EvaluationSettings

WINDOW = 512  # tokens per drift window


@dataclass(frozen=True)
class GeneralTask:
    spec: DatasetSpec
    examples: list[Example]


class BaseAnswerCache:
    """The base model's generated texts per (model, task items, decoding settings), as JSON.

    Texts, not parsed values, are kept: they survive JSON exactly and are parsed again on use.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    @staticmethod
    def key(model_key: str, task: GeneralTask, max_new_tokens: int) -> str:
        blob = json.dumps(
            [model_key, task.spec.name, task.spec.version, max_new_tokens]
            + [asdict(e) for e in task.examples],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:20]

    def get(self, key: str) -> list[str] | None:
        path = self.folder / f"{key}.json" if self.folder else None
        if path is None or not path.is_file():
            return None
        try:
            texts = json.loads(path.read_text(encoding="utf-8"))["outputs"]
            return [str(t) for t in texts]
        except (ValueError, KeyError, TypeError):  # a damaged cache entry is recomputed
            return None

    def put(self, key: str, texts: list[str]) -> None:
        if self.folder is None:
            return

        self.folder.mkdir(parents=True, exist_ok=True)
        write_json(self.folder / f"{key}.json", {"outputs": texts})


def text_ids(tokenizer: Tokenizer, tokens: int) -> list[int]:
    ids = tokenizer(general_text().text, add_special_tokens=False)["input_ids"]
    return list(ids[:tokens])


def measure_stability(
    adapted: Module,
    tokenizer: Tokenizer,
    fresh_base: Callable[[], Module],
    text_tokens: int,
    tasks: Sequence[GeneralTask],
    evaluation: EvaluationSettings,
    model_key: str,
    cache: BaseAnswerCache,
    adapted_is_base: bool = False,
) -> dict[str, JSONObject | None]:
    """The record's `stability` block. `text_tokens` 0 skips drift; no tasks skips retention.
    `adapted_is_base`: the adapted model is the base model itself (a method that changes
    nothing, e.g. `frozen`), so its general-task answers are the base answers, not decoded again."""
    from peftbench.stability.retention import TaskAnswers, retention

    out: dict[str, JSONObject | None] = {"drift": None, "retention": None}
    base: Module | None = None

    def base_model() -> Module:
        nonlocal base
        if base is None:
            base = fresh_base()
        return base

    if text_tokens > 0:
        drift = measure_drift(base_model(), adapted, text_ids(tokenizer, text_tokens), WINDOW)
        out["drift"] = {**drift.as_record(), "text": general_text().describe(), "window": WINDOW}
    answers = []
    for task in tasks:
        max_new = evaluation.max_new_tokens or task.spec.max_new_tokens
        key = BaseAnswerCache.key(model_key, task, max_new)
        base_texts = cache.get(key)
        if base_texts is None or len(base_texts) != len(task.examples):
            model = adapted if adapted_is_base else base_model()
            ev = decoding.evaluate(model, tokenizer, task.spec, task.examples, evaluation, False)
            base_texts = [str(p["output"]) for p in ev.predictions]
            cache.put(key, base_texts)
        base_parsed = [task.spec.parse(t) for t in base_texts]
        if adapted_is_base:
            adapted_parsed = base_parsed
        else:
            ev = decoding.evaluate(adapted, tokenizer, task.spec, task.examples, evaluation, False)
            adapted_parsed = [p["parsed"] for p in ev.predictions]
        answers.append(
            TaskAnswers(
                name=task.spec.name,
                metric=METRICS.get(task.spec.metric),
                base=base_parsed,
                adapted=adapted_parsed,
                golds=[e.gold for e in task.examples],
            )
        )
    if answers:
        out["retention"] = retention(answers).as_record()
    return out
