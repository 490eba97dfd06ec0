"""Helpers shared by the dataset tests: load an eval split, score fake model outputs."""

from __future__ import annotations

from typing import Any

from peftbench.datasets import DATASETS, DatasetSpec, Example, LoadContext
from peftbench.metrics import METRICS


def eval_examples(name: str, ctx: LoadContext) -> tuple[DatasetSpec, list[Example]]:
    spec = DATASETS.get(name)
    return spec, spec.load(spec.splits[1], ctx)


def score(spec: DatasetSpec, examples: list[Example], outputs: dict[str, str]) -> dict[str, Any]:
    """What evaluation does after generating: parse each output, score every declared metric."""
    parsed = [spec.parse(outputs[ex.id]) for ex in examples]
    golds = [ex.gold for ex in examples]
    values = {m: METRICS.get(m)(parsed, golds) for m in (spec.metric, *spec.extra_metrics)}
    values["invalid_rate"] = sum(p is None for p in parsed) / len(parsed)
    return values


def row_index(ex: Example) -> int:
    """The row of the split file an example came from (ids are '<split>-<row>')."""
    return int(ex.id.rsplit("-", 1)[1])
