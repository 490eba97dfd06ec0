"""Equal-budget learning-rate selection: the stage that chooses a cell's learning rate on a dev
slice of the train split before the cell trains (suite setting `selection`, docs/tuning.md).

Why: a ranking at preset rates may rank the presets, not the methods. Every method that trains
gets the same number of trials, on the same kind of grid around its own preset, scored on data
the cell's eval score never sees; so no method is tuned more than another, and none on eval.

- **Grid** (`rate_grid`): `trials` rates log-spaced `span / (trials - 1)` decades apart that
  span `span` decades and hold the preset: exponents `(j - ceil((trials - 1) / 2)) * step` for
  j = 0 .. trials-1, so an odd count is symmetric around the preset and an even one has one
  more rate below it (a too-high rate diverges; a lower one is the cheaper miss).
- **Dev slice**: `selection.dev_examples` items held out of the train split by
  `training.holdout.split_train` (the learning curve's rule: rows beyond the training cap when
  there are enough, else validation items, else rows of the pool). A trial trains on the rest
  of the pool (and keeps the suite's validation for checkpoint selection); the eval split is
  never loaded.
- **Trial**: the one cell path (`pipeline.execute`) with the rate replaced, at the search's
  seed, without a learning curve or measurements; a non-finite loss is a diverged trial (no
  score, never chosen unless every trial diverged).
- **Choice** (`choose`): the best dev score in the metric's direction; among tied rates the
  preset when it is one of them, else the lowest (every trial diverged: the preset).
- **Sharing**: one search per (model, method, dataset, settings) at one seed (the suite's first
  unless `selection.seed` is set): the other seeds reuse it, since a learning rate is a
  property of method, task, model and budget, not of the seed; re-searching per seed would
  multiply the cost by the seeds. Searches are not pooled across datasets: the best rate is
  task-dependent, and pooling would average scores on different metrics. `peftbench tune` runs
  the same searches (`tuning.py`) and only adds a per-method summary.
- **Storage and resume**: `<results>/selection/<search>/search.json` (what was searched, which
  train items were the dev slice) and one `trial-<j>.json` per finished rate, written once and
  never replaced (`write_json_once`): a killed invocation redoes only unfinished trials, and two
  cells sharing a search at the same time may both compute a trial, but the first result kept
  is the one every run reads.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from pathlib import Path

from peftbench.config.schema import RunSpec, run_digest
from peftbench.datasets import LoadContext
from peftbench.datasets.declared import dataset_of
from peftbench.errors import UserError
from peftbench.json_types import JSONObject
from peftbench.pipeline import CellData, execute, fingerprint, train_cap
from peftbench.results.atomic import make_parent, write_json_once
from peftbench.results.checks import RecordDamage, is_number
from peftbench.results.record import Selection, Trial, read_object
from peftbench.training.holdout import TrainSplit, split_train

SEARCH_DIR = "selection"


def rate_grid(preset: float, trials: int, span: float) -> list[float]:
    """The `trials` learning rates of a search around `preset` (the module docstring's grid);
    rates other than the preset are rounded to 6 significant figures (readable, stable)."""
    if trials < 2:
        return [preset]
    step = span / (trials - 1)
    below = math.ceil((trials - 1) / 2)
    return [
        preset if j == below else float(f"{preset * 10 ** ((j - below) * step):.6g}")
        for j in range(trials)
    ]


def choose(trials: list[Trial], preset: float, higher_is_better: bool) -> float:
    """The chosen rate: best dev score; ties -> the preset, else the lowest tied rate."""
    scored = [t for t in trials if t.dev_score is not None]
    if not scored:
        return preset
    sign = 1.0 if higher_is_better else -1.0
    best = max(sign * float(t.dev_score or 0.0) for t in scored)
    tied = [t.learning_rate for t in scored if sign * float(t.dev_score or 0.0) == best]
    return preset if preset in tied else min(tied)


def search_key(spec: RunSpec) -> str:
    """The search a cell belongs to: everything that changes a trial's result (not the cell's
    own seed, its measurements or stability tasks), as `<model>__<dataset>__<method>__<hash>`."""
    cell = spec.to_dict()
    identity = {k: v for k, v in cell.items() if k not in ("seed", "measurement", "stability")}
    model = spec.model.replace("/", "_").replace(":", "_")
    return f"{model}__{spec.dataset}__{spec.method}__{run_digest(identity)}"


def search_data(spec: RunSpec, ctx: LoadContext) -> CellData:
    """The trials' data: the train split cut by `split_train` into the training part (and the
    suite's validation items) and the dev slice, which stands where eval stands in a cell."""
    assert spec.selection is not None
    dataset = dataset_of(spec)
    rows = dataset.load(dataset.splits[0], ctx)
    if not rows:
        raise UserError(f"dataset '{spec.dataset}' has no examples in split '{dataset.splits[0]}'")
    try:
        split = split_train(
            rows, train_cap(spec), spec.training.val_fraction, spec.selection.dev_examples
        )
    except UserError as exc:
        raise UserError(
            f"learning-rate selection on '{spec.dataset}': {exc.message}",
            "lower selection.dev_examples or training.max_train_examples",
        ) from None
    return CellData(TrainSplit(split.fit, split.validation, []), split.dev)


def run_trial(spec: RunSpec, rate: float, data: CellData, progress: bool = False) -> Trial:
    """Train `spec`'s method at `rate` on the search's data and score it on the dev slice,
    through the one cell path (the method's optimizer, step hook and precision rules)."""
    from peftbench.training.trainer import NonFiniteLoss

    assert spec.selection is not None and spec.selection.seed is not None
    trial = dataclasses.replace(
        spec,
        seed=spec.selection.seed,
        evaluation=dataclasses.replace(spec.evaluation, curve_every=0),
    )
    started = time.perf_counter()
    try:
        run = execute(trial, data, progress=progress, learning_rate=rate)
        assert run.evaluation is not None
        score: float | None = run.evaluation.score
    except NonFiniteLoss:
        score = None
    return Trial(rate, score, time.perf_counter() - started)


def select(spec: RunSpec, root: Path, ctx: LoadContext, progress: bool = False) -> Selection:
    """The cell's search, read from `<root>/selection/` where its trials are stored, the missing
    ones trained now (and stored). The Selection part of the cell's record."""
    from peftbench.metrics import METRICS

    settings = spec.selection
    assert settings is not None and settings.seed is not None
    preset = float(spec.method_params["learning_rate"])
    grid = rate_grid(preset, settings.trials, settings.span)
    key = search_key(spec)
    folder = root / SEARCH_DIR / key
    data: CellData | None = None
    if not (folder / "search.json").is_file():  # a new search (or its description was lost)
        data = search_data(spec, ctx)
        _describe(folder, spec, grid, data)
    trials, ran = [], 0
    for j, rate in enumerate(grid):
        path = folder / f"trial-{j}.json"
        found = read_trial(path, rate)
        if found is None:
            data = data or search_data(spec, ctx)
            found = run_trial(spec, rate, data, progress)
            write_json_once(path, found.to_json())
            found = read_trial(path, rate) or found
            ran += 1
            if progress:
                shown = "diverged" if found.dev_score is None else f"dev {found.dev_score:.1f}"
                print(f"  selection {spec.method} lr {rate:.3g} -> {shown}", flush=True)
        trials.append(found)
    higher = METRICS.get(dataset_of(spec).metric).higher_is_better
    described = read_object(folder / "search.json")
    dev_examples = described.get("dev_examples", 0)
    return Selection(
        learning_rate=choose(trials, preset, higher),
        preset_learning_rate=preset,
        trials=tuple(trials),
        span=settings.span,
        dev_examples=int(dev_examples) if is_number(dev_examples) else 0,
        seed=settings.seed,
        search=key,
        ran_here=ran,
    )


def read_trial(path: Path, rate: float) -> Trial | None:
    """A stored trial, or None when there is none yet. A damaged file or one for another rate
    (edited by hand) is moved aside, never deleted, and the trial runs again."""
    if not os.path.lexists(path):
        return None
    try:
        trial = Trial.from_json(read_object(path), path.name)
        if trial.learning_rate == rate:
            return trial
    except RecordDamage:
        pass
    os.replace(path, path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}"))
    return None


def _describe(folder: Path, spec: RunSpec, grid: list[float], data: CellData) -> None:
    """search.json, once: what the search is, and which train items were its dev slice."""
    make_parent(folder / "search.json")
    assert spec.selection is not None
    write_json_once(
        folder / "search.json",
        {
            "model": spec.model,
            "method": spec.method,
            "dataset": spec.dataset,
            "seed": spec.selection.seed,
            "grid": grid,
            "span": spec.selection.span,
            "metric": dataset_of(spec).metric,
            "train_examples": len(data.train),
            "dev_examples": len(data.evals),
            "dev_ids": [e.id for e in data.evals],
            "dev_fingerprint": fingerprint(data.evals),
            "cell": spec.to_dict() | {"seed": spec.selection.seed},
        },
    )


def stored_searches(root: Path) -> dict[str, JSONObject]:
    """Every search.json under `<root>/selection/`, by search key (for tables and `tune`)."""
    out = {}
    base = root / SEARCH_DIR
    if base.is_dir():
        for d in sorted(base.iterdir()):
            if (d / "search.json").is_file():
                out[d.name] = read_object(d / "search.json")
    return out
