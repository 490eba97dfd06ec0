"""`peftbench tune`: per-method learning-rate search with Optuna, before the main grid.

Why: one learning rate for every method (or the paper's presets, set for another model and
budget) decides rankings as much as the methods do. Each method that trains gets a study over
its learning rate, log-uniform in [preset / span, preset * span], scored by the mean task score
over the suite's models and datasets (first seed) on a held-out part of the *train* split: the
eval split is never loaded, so the main grid's scores stay untouched by the search. The first
trial is always the preset itself, so the chosen rate is never worse than the preset on the
held-out data. Studies live in `<out>/study.db` (SQLite), so a killed search resumes where it
stopped; a changed suite or setting starts a new study (its name holds a hash of them).

Trials run in this process, one after the other (no backend): a search is a few short runs.
Output: `<out>/presets.yaml` (method_params, for `peftbench run --presets`) and `<out>/tune.json`
(every trial's rate and scores, and which examples were held out).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from peftbench.cache import cache_dir
from peftbench.config.schema import RunSpec, Suite
from peftbench.datasets import DATASETS, Example, LoadContext
from peftbench.datasets.declared import dataset_of
from peftbench.errors import UserError
from peftbench.methods import METHODS
from peftbench.metrics import METRICS
from peftbench.pipeline import CellData, execute
from peftbench.quiet import quiet_libraries
from peftbench.results.atomic import write_json
from peftbench.suite import expand
from peftbench.training.holdout import split_train as hold_out
from peftbench.training.trainer import NonFiniteLoss
from peftbench.tuned_rates import write_presets

SPLIT_SEED = 20251127

Splits = dict[str, tuple[list[Example], list[Example]]]  # dataset -> (fit, held-out)


@dataclass(frozen=True)
class TuneSettings:
    trials: int = 8  # per method, the preset included
    holdout: float = 0.2  # share of the train split held out for scoring trials
    span: float = 10.0  # search [preset / span, preset * span], log scale
    sampler_seed: int = 0

    def __post_init__(self) -> None:
        if self.trials < 1:
            raise UserError(f"--trials must be at least 1, got {self.trials}", "e.g. --trials 8")
        if not 0 < self.holdout < 1:
            raise UserError(
                f"--holdout must be between 0 and 1, got {self.holdout}", "e.g. --holdout 0.2"
            )
        if self.span <= 1:
            raise UserError(f"--span must be greater than 1, got {self.span}", "e.g. --span 10")


def import_optuna() -> ModuleType:
    try:
        import optuna
    except ImportError:
        raise UserError(
            "`peftbench tune` needs Optuna, which is not installed in this environment",
            "pip install 'peftbench[tune]'",
        ) from None
    return optuna


def split_train(
    examples: list[Example], holdout: float, cap_fit: int | None, cap_held: int | None
) -> tuple[list[Example], list[Example]]:
    """(fit, held-out): a seeded shuffle of the train split, cut in two disjoint parts.

    Not `training.holdout.split_train` (the grid's validation split), on purpose: that one caps
    the split to `max_train_examples` first and takes validation out of that training pool (the
    original's protocol: a share of the training data). Here the held-out part comes out of the
    whole split and the caps apply after the cut, so a trial trains on as many examples as a grid
    run (`cap_fit`) and is scored on as many as the grid evaluates (`cap_held`); the grid's own
    validation is then taken out of `fit` by the cell path, as in the grid. Its own seed also
    keeps the held-out ids of studies already in a `study.db` (a resumed study must keep scoring
    on the same examples).
    """
    order = list(examples)
    random.Random(SPLIT_SEED).shuffle(order)
    n_held = max(1, round(len(order) * holdout))
    if n_held >= len(order):
        raise UserError(
            f"the train split has {len(order)} examples: too few to hold {holdout:.0%} out",
            "lower --holdout, or tune on a dataset with more training examples",
        )
    held, fit = order[:n_held], order[n_held:]
    return fit[: cap_fit or None], held[: cap_held or None]


def _study_key(suite: Suite, method: str, preset_lr: float, settings: TuneSettings) -> str:
    blob = json.dumps(
        [
            method,
            preset_lr,
            dataclasses.asdict(settings),
            suite.models,
            suite.datasets,
            suite.seeds[0],
            dataclasses.asdict(suite.training),
            dataclasses.asdict(suite.evaluation),
            suite.method_params.get(method, {}),
            dataclasses.asdict(suite.model_options),
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:10]


def trial_score(
    spec: RunSpec, lr: float, fit: list[Example], held: list[Example], progress: bool
) -> float:
    """Train `spec`'s method at `lr` on `fit`; the task score on `held` (0 when it diverged).

    Through the one cell path (`pipeline.execute`), so the method trains with its own optimizer
    and step hook and the suite's held-out protocol, exactly as in the grid; no learning curve.
    """

    trial = dataclasses.replace(
        spec,
        method_params={**spec.method_params, "learning_rate": lr},
        evaluation=dataclasses.replace(spec.evaluation, curve_every=0),
    )
    data = CellData(hold_out(fit, None, spec.training.val_fraction, 0), held)
    try:
        run = execute(trial, data, progress=progress)
    except NonFiniteLoss:
        return 0.0
    assert run.evaluation is not None
    return run.evaluation.score


def tune(
    suite: Suite,
    settings: TuneSettings,
    out: Path,
    data_dir: Path | None = None,
    progress: bool = True,
) -> Path:
    """Run one study per training method; write presets.yaml and tune.json; return the YAML path."""

    optuna = import_optuna()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    quiet_libraries()
    out.mkdir(parents=True, exist_ok=True)
    ctx = LoadContext(cache_dir=cache_dir(), data_dir=data_dir)
    seed = suite.seeds[0]
    specs = _training_cells(suite, seed)
    splits = _tuning_splits(suite, settings, ctx)
    storage = f"sqlite:///{(out / 'study.db').resolve()}"
    report: dict[str, Any] = {"settings": dataclasses.asdict(settings), "seed": seed, "methods": {}}
    chosen: dict[str, dict[str, float]] = {}
    for method in dict.fromkeys(s.method for s in specs):
        cells = [s for s in specs if s.method == method]
        preset = float(cells[0].method_params["learning_rate"])
        study = _search(optuna, storage, suite, cells, preset, settings, splits, progress)
        report["methods"][method] = _study_report(study, preset)
        chosen[method] = {"learning_rate": report["methods"][method]["chosen_learning_rate"]}
    report["held_out"] = _held_out_report(splits)
    write_json(out / "tune.json", report)
    header = [
        f"learning rates chosen by `peftbench tune {suite.name}` ({settings.trials} trials per "
        f"method, held-out {settings.holdout:.0%} of the train split, seed {seed})",
        "use: peftbench run SUITE --presets THIS_FILE",
    ]
    return write_presets(out / "presets.yaml", chosen, header)


def _training_cells(suite: Suite, seed: int) -> list[RunSpec]:
    """The suite's cells of methods that train, at the first seed: a method that does not train
    has no learning rate to tune, and one seed keeps the search a few short runs."""

    specs = [s for s in expand(suite) if s.seed == seed and METHODS.get(s.method).trains]
    if not specs:
        raise UserError("no method in the suite trains, so there is no learning rate to tune")
    return specs


def _tuning_splits(suite: Suite, settings: TuneSettings, ctx: LoadContext) -> Splits:
    """Each dataset's train split cut into (fit, held-out); the eval split is never loaded, so
    the search cannot leak into the grid's scores."""
    splits: Splits = {}
    for name in suite.datasets:
        dataset = DATASETS.get(name)
        train_rows = dataset.load(dataset.splits[0], ctx)
        splits[name] = split_train(
            train_rows,
            settings.holdout,
            suite.training.max_train_examples,
            suite.evaluation.max_eval_examples,
        )
    return splits


def _search(
    optuna: ModuleType,
    storage: str,
    suite: Suite,
    cells: list[RunSpec],
    preset: float,
    settings: TuneSettings,
    splits: Splits,
    progress: bool,
) -> Any:
    """One method's study, run until it has `settings.trials` complete trials.

    The study is stored under a name that hashes the suite and settings, so a killed search
    resumes where it stopped; the preset is queued as a trial unless it already ran or waits,
    so the chosen rate is never worse than the preset on the held-out data.
    """
    method = cells[0].method
    study = optuna.create_study(
        study_name=f"{method}-{_study_key(suite, method, preset, settings)}",
        storage=storage,
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=settings.sampler_seed),
        load_if_exists=True,
    )
    if not any(
        t.params.get("learning_rate") == preset and t.state.name in ("COMPLETE", "WAITING")
        for t in study.trials
    ):
        study.enqueue_trial({"learning_rate": preset})  # the preset is always a candidate
    done = sum(t.state.name == "COMPLETE" for t in study.trials)
    if done < settings.trials:
        objective = functools.partial(
            _objective,
            cells=cells,
            preset=preset,
            settings=settings,
            splits=splits,
            progress=progress,
        )
        study.optimize(objective, n_trials=settings.trials - done)
    return study


def _study_report(study: Any, preset: float) -> dict[str, Any]:
    """A method's part of tune.json: the chosen rate against the preset, and every trial with
    its per-cell scores, so a choice can be checked afterwards."""
    best = study.best_trial
    return {
        "study": study.study_name,
        "preset_learning_rate": preset,
        "chosen_learning_rate": float(best.params["learning_rate"]),
        "best_value": best.value,
        "trials": [
            {
                "number": t.number,
                "learning_rate": t.params.get("learning_rate"),
                "value": t.value,
                "state": t.state.name,
                "scores": t.user_attrs,
            }
            for t in study.trials
        ],
    }


def _held_out_report(splits: Splits) -> dict[str, Any]:
    """Which train examples each dataset held out, so that the search's data can be audited."""
    return {
        name: {
            "fit_examples": len(fit),
            "held_out_ids": [e.id for e in held],
            "split": DATASETS.get(name).splits[0],
        }
        for name, (fit, held) in splits.items()
    }


def _objective(
    trial: Any,
    cells: list[RunSpec],
    preset: float,
    settings: TuneSettings,
    splits: Splits,
    progress: bool,
) -> float:
    """Mean held-out score of one learning rate over the method's cells (signed by direction)."""

    lr = trial.suggest_float(
        "learning_rate", preset / settings.span, preset * settings.span, log=True
    )
    signed = []
    for spec in cells:
        fit, held = splits[spec.dataset]
        score = trial_score(spec, lr, fit, held, progress)
        trial.set_user_attr(f"{spec.model}/{spec.dataset}", score)
        higher = METRICS.get(dataset_of(spec).metric).higher_is_better
        signed.append(score if higher else -score)
    value = sum(signed) / len(signed)
    method = cells[0].method
    print(
        f"  {method:<16} trial {trial.number + 1}: lr {lr:.3g} -> held-out {value:.2f}", flush=True
    )
    return value
