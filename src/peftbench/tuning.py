"""`peftbench tune`: the learning-rate selection stage (`selection.py`) run ahead of the grid.

Not a second search: `tune` runs, for every trained (model, method, dataset) of the suite at the
trial seed, the very searches `peftbench run` runs with `selection: {trials, span}` (same grid,
dev slice, trial path and storage, `<out>/selection/`), so a later `run` of the suite with the
same selection settings and results folder reuses every trial instead of training it again.
What `tune` adds is a summary for suites that do not search at run time:

- `<out>/tune/tune.json`, the trial table: per method its grid, every search's trials (rate,
  dev score, seconds) and choice, and the rate chosen for the method as a whole;
- `<out>/tune/presets.yaml`, that rate per method (`method_params`, for `run --presets` or to
  paste into a suite).

One rate per method over several models or datasets: the grid point with the best mean dev
score over the method's searches (signed by each metric's direction; a rate that diverged in
any search is out), ties to the preset, else the lower rate, as for one search (`choose`).
"""

from __future__ import annotations

import dataclasses
import statistics
from collections import defaultdict
from pathlib import Path
from typing import TypedDict

from peftbench.config.schema import RunSpec, SelectionSettings, Suite
from peftbench.datasets import LoadContext
from peftbench.datasets.declared import dataset_of
from peftbench.errors import UserError
from peftbench.json_types import JSONObject
from peftbench.results.atomic import make_parent, write_json
from peftbench.results.record import Selection, Trial
from peftbench.selection import choose, select
from peftbench.suite import expand
from peftbench.tuned_rates import write_presets

TUNE_DIR = "tune"


def search_cells(suite: Suite) -> list[RunSpec]:
    """One cell per search: the suite's trained cells at its first seed (the others share the
    first seed's searches)."""
    specs = [s for s in expand(suite) if s.selection is not None and s.seed == suite.seeds[0]]
    if not specs:
        raise UserError("no method in the suite trains, so there is no learning rate to tune")
    return specs


def tune(
    suite: Suite,
    settings: SelectionSettings,
    out: Path,
    data_dir: Path | None = None,
    progress: bool = True,
) -> Path:
    """Run (or resume) every search of `suite` under `settings` into the results folder `out`;
    write tune.json and presets.yaml into `<out>/tune/`; return the presets path."""
    from peftbench.cache import cache_dir
    from peftbench.quiet import quiet_libraries

    if settings.trials == 0:
        raise UserError("`peftbench tune` needs trials: --trials 0 searches nothing", "--trials 4")
    quiet_libraries()
    suite = dataclasses.replace(suite, selection=settings)
    ctx = LoadContext(cache_dir=cache_dir(), data_dir=data_dir)
    found = [(spec, select(spec, out, ctx, progress)) for spec in search_cells(suite)]
    table = trial_table(suite, found)
    make_parent(out / TUNE_DIR / "tune.json")
    write_json(out / TUNE_DIR / "tune.json", table)
    chosen = {m: {"learning_rate": t["chosen_learning_rate"]} for m, t in table["methods"].items()}
    header = [
        f"learning rates chosen by `peftbench tune {suite.name} --trials {settings.trials} "
        f"--span {settings.span:g} --dev-examples {settings.dev_examples}` on a dev slice of "
        "the train split (never eval); trial table: tune.json beside this file",
        "use: peftbench run SUITE --presets THIS_FILE",
    ]
    return write_presets(out / TUNE_DIR / "presets.yaml", chosen, header)


class MethodEntry(TypedDict):
    """tune.json's entry of one method: its searches (one per model and dataset) and the rate
    chosen over them."""

    preset_learning_rate: float
    chosen_learning_rate: float
    grid: list[float]
    searches: list[JSONObject]


class TrialTable(TypedDict):
    """tune.json."""

    suite: str
    settings: dict[str, object]
    rule: str
    methods: dict[str, MethodEntry]


def trial_table(suite: Suite, found: list[tuple[RunSpec, Selection]]) -> TrialTable:
    """tune.json: the settings, and per method every search's trials and the method's rate."""
    by_method: dict[str, list[tuple[RunSpec, Selection]]] = defaultdict(list)
    for spec, sel in found:
        by_method[spec.method].append((spec, sel))
    return {
        "suite": suite.name,
        "settings": dataclasses.asdict(suite.selection) | {"seed": found[0][1].seed},
        "rule": "best dev score (the metric's direction); ties -> the preset, else the lowest",
        "methods": {m: _method_entry(entries) for m, entries in by_method.items()},
    }


def _method_entry(entries: list[tuple[RunSpec, Selection]]) -> MethodEntry:
    first = entries[0][1]
    return {
        "preset_learning_rate": first.preset_learning_rate,
        "chosen_learning_rate": method_rate(entries),
        "grid": [t.learning_rate for t in first.trials],
        "searches": [
            {
                "model": spec.model,
                "dataset": spec.dataset,
                "search": sel.search,
                "dev_examples": sel.dev_examples,
                "chosen_learning_rate": sel.learning_rate,
                "seconds": sel.seconds,
                "trials": [t.to_json() for t in sel.trials],
            }
            for spec, sel in entries
        ],
    }


def method_rate(entries: list[tuple[RunSpec, Selection]]) -> float:
    """One rate for a method over its searches (the module docstring's rule)."""
    from peftbench.metrics import METRICS

    if len(entries) == 1:
        return entries[0][1].learning_rate
    means = []
    for j, trial in enumerate(entries[0][1].trials):
        signed = []
        for spec, sel in entries:
            score = sel.trials[j].dev_score
            higher = METRICS.get(dataset_of(spec).metric).higher_is_better
            signed.append(None if score is None else (score if higher else -score))
        mean = None if None in signed else statistics.fmean(s for s in signed if s is not None)
        means.append(Trial(trial.learning_rate, mean, 0.0))
    return choose(means, entries[0][1].preset_learning_rate, higher_is_better=True)
