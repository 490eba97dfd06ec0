"""Held-out parts of the train split: validation (best checkpoint) and the learning-curve dev slice.

The original's protocol (PEFT-Bench): a share of the train split (`training.val_fraction`, 10 %,
20 % for prefix tuning) is held out, the loss on it is measured every 5 % of the steps, and with
`training.select_best` the checkpoint with the lowest loss is restored at the end. The learning
curve (`evaluation.curve_every`) scores a small dev slice of the train split during training.
Held-out items always come from the train split, never from the eval split, so the scores of
the run stay untouched by the selection.

Which items: a seeded sample (`HOLDOUT_SEED`, independent of the run's seed, so every method
and seed of a cell sees the same split). Validation items come from the training pool (the
capped train split) and are removed from it; the dev slice is the head of the validation items
when there are any, else rows beyond the training cap (so turning curves on does not change
what a run trains on), else rows of the pool (removed from it).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, NotRequired, TypedDict, TypeVar

from peftbench.errors import UserError
from peftbench.json_types import JSONObject, JSONValue
from peftbench.training.data import PadCollator
from peftbench.training.loss import loss_plan, summed_loss

if TYPE_CHECKING:  # annotations only; importing them would import torch
    from torch.nn import Module

HOLDOUT_SEED = 20251130
CHECKPOINT_FRACTION = 0.05  # the original's checkpoint interval: every 5 % of the steps

T = TypeVar("T")
P = TypeVar("P")  # a parsed prediction
G = TypeVar("G")  # a gold answer


@dataclass(frozen=True)
class TrainSplit(Generic[T]):
    """What a run trains on and what it holds out, all from the train split (examples)."""

    fit: list[T]
    validation: list[T]  # for val loss and checkpoint selection; [] when val_fraction is 0
    dev: list[T]  # the learning-curve slice; [] when curves are off


def _sample(rows: Sequence[T], n: int) -> tuple[list[T], list[T]]:
    """(n rows drawn with the fixed seed, the rest in their original order)."""
    picked = set(random.Random(HOLDOUT_SEED).sample(range(len(rows)), n))
    return [rows[i] for i in sorted(picked)], [r for i, r in enumerate(rows) if i not in picked]


def split_train(
    rows: Sequence[T], cap: int | None, val_fraction: float, dev_examples: int
) -> TrainSplit[T]:
    """Cut the train split `rows` into fit / validation / dev (see the module docstring)."""
    pool, spare = list(rows[:cap] if cap else rows), list(rows[cap:] if cap else [])
    validation: list[T] = []
    if val_fraction > 0:
        n_val = max(1, round(len(pool) * val_fraction))
        if n_val >= len(pool):
            raise UserError(
                f"training.val_fraction {val_fraction} holds out {n_val} of {len(pool)} training "
                "examples, leaving none to train on",
                "lower training.val_fraction or raise training.max_train_examples",
            )
        validation, pool = _sample(pool, n_val)
    dev: list[T] = []
    if dev_examples > 0:
        if validation:
            dev = validation[:dev_examples]
        elif len(spare) >= dev_examples:
            dev, _ = _sample(spare, dev_examples)
        elif dev_examples < len(pool):
            dev, pool = _sample(pool, dev_examples)
        else:
            raise UserError(
                f"the learning curve needs {dev_examples} held-out training examples, but the "
                f"train split has only {len(pool) + len(spare)}",
                "lower evaluation.curve_examples, or set evaluation.curve_every: 0",
            )
    return TrainSplit(pool, validation, dev)


def every_fraction(total_steps: int, fraction: float = CHECKPOINT_FRACTION) -> int:
    """The interval in steps of a checkpoint every `fraction` of the run (at least 1)."""
    return max(1, math.ceil(total_steps * fraction))


def checkpoint_steps(total_steps: int, every: int) -> list[int]:
    """Multiples of `every` up to `total_steps`, and the last step (the final model) always."""
    steps = list(range(every, total_steps + 1, every)) if every > 0 else []
    if not steps or steps[-1] != total_steps:
        steps.append(total_steps)
    return steps


def held_out_loss(model: Module, features: Sequence[dict[str, list[int]]], pad_id: int) -> float:
    """Mean answer-only cross-entropy per answer token over `features`.

    The training loss's own computation (`training.loss`: logits of the labelled positions
    only, offset past prompt methods' virtual tokens), summed here without any regulariser a
    model may add to `.loss` (AdaLoRA's orthogonality term).
    """
    import torch

    was_training = model.training
    model.eval()
    plan = loss_plan(model)
    collate, total, count = PadCollator(pad_id), 0.0, 0
    device = next(model.parameters()).device
    with torch.no_grad():
        for lo in range(0, len(features), 8):
            batch = {k: v.to(device) for k, v in collate(features[lo : lo + 8]).items()}
            loss, n = summed_loss(model, batch, plan)
            total += float(loss)
            count += n
    model.train(was_training)
    return total / max(1, count)


OVERSHOOT_ALPHA = 0.05
PERMUTATIONS = 400


def halves(n: int) -> tuple[list[int], list[int]]:
    """The dev slice's two halves by position: the select half (even) chooses the best step,
    the judge half (odd) judges the drop from it."""
    return list(range(0, n, 2)), list(range(1, n, 2))


def drop_p_value(
    metric: Callable[[list[P], list[G]], float],
    best: Sequence[P],
    final: Sequence[P],
    golds: Sequence[G],
    higher_is_better: bool,
    permutations: int = PERMUTATIONS,
    seed: int = HOLDOUT_SEED,
) -> float:
    """One-sided paired permutation test of "the final checkpoint is worse than the best" on
    the same items: under no change the two checkpoints' answers to an item are exchangeable,
    so each item's pair is swapped at random and the drop recomputed (the metric itself, so
    whole-set metrics work too). p = (1 + #drops >= observed) / (1 + permutations)."""
    sign = 1.0 if higher_is_better else -1.0

    def drop(a: Sequence[P], b: Sequence[P]) -> float:
        return sign * (metric(list(a), list(golds)) - metric(list(b), list(golds)))

    observed = drop(best, final)
    rng = random.Random(seed)
    hits = 0
    for _ in range(permutations):
        swap = [rng.random() < 0.5 for _ in golds]
        a = [f if s else b for b, f, s in zip(best, final, swap, strict=True)]
        b = [b if s else f for b, f, s in zip(best, final, swap, strict=True)]
        hits += drop(a, b) >= observed - 1e-9
    return (1 + hits) / (1 + permutations)


class _CurveScores(TypedDict):
    points: list[dict[str, float]]
    best_step: float | None
    best_dev_score: float | None
    final_dev_score: float | None


class CurveSummary(_CurveScores):
    """A learning curve's summary in the record (`curve_summary`); the judge keys only when the
    points have the select and judge halves' scores."""

    judge_drop: NotRequired[float]
    overshoot_p: NotRequired[float]
    overshoot: bool | None


def curve_json(summary: CurveSummary) -> JSONObject:
    """`summary` as the record's JSON object, key by key (to the type checker a TypedDict is a
    read-only mapping of objects, not JSON)."""
    points: list[JSONValue] = []
    for p in summary["points"]:
        point: JSONObject = {**p}
        points.append(point)
    out: JSONObject = {
        "points": points,
        "best_step": summary["best_step"],
        "best_dev_score": summary["best_dev_score"],
        "final_dev_score": summary["final_dev_score"],
    }
    if "judge_drop" in summary:
        out["judge_drop"] = summary["judge_drop"]
    if "overshoot_p" in summary:
        out["overshoot_p"] = summary["overshoot_p"]
    out["overshoot"] = summary["overshoot"]
    return out


def curve_summary(
    points: Sequence[dict[str, float]],
    higher_is_better: bool,
    dev_examples: int,
    drop_test: Callable[[int, int], float] | None = None,
) -> CurveSummary:
    """Best and final dev score of a learning curve, and whether training overshot.

    Choosing the best step and judging its drop on the same items calls overshoot on a flat
    curve 61-86 % of the time (the best of many noisy points is high by chance). So the slice is
    split (`halves`): the best step is chosen on the select half (`select_score`), and the drop
    from it to the final step is judged on the judge half (`judge_score`), where it must exceed
    one judge item's worth (100 / judge items) and 2 points, and pass `drop_test(best index,
    final index)` (a p-value: `drop_p_value`, one-sided, at 5 %). Points without the halves
    (older records) keep the old rule: best and drop on the whole slice, beyond one item and 2
    points. `best_dev_score` and `final_dev_score` are whole-slice scores.
    """
    if not points:
        return {"points": [], "best_step": None, "best_dev_score": None, "final_dev_score": None,
                "overshoot": None}  # fmt: skip
    sign = 1.0 if higher_is_better else -1.0
    split = all("select_score" in p and "judge_score" in p for p in points)
    chosen = "select_score" if split else "dev_score"
    best_i = max(range(len(points)), key=lambda i: (sign * points[i][chosen], -points[i]["step"]))
    best, final = points[best_i], points[-1]
    out: _CurveScores = {
        "points": list(points),
        "best_step": best["step"],
        "best_dev_score": best["dev_score"],
        "final_dev_score": final["dev_score"],
    }
    if not split:
        margin = max(2.0, 100.0 / max(1, dev_examples))
        return {**out, "overshoot": sign * (best["dev_score"] - final["dev_score"]) > margin}
    judged = len(halves(dev_examples)[1])
    drop = sign * (best["judge_score"] - final["judge_score"])
    p_value = 1.0
    if drop > max(2.0, 100.0 / max(1, judged)) and best_i != len(points) - 1:
        p_value = drop_test(best_i, len(points) - 1) if drop_test else 0.0
    return {
        **out,
        "judge_drop": drop,
        "overshoot_p": p_value,
        "overshoot": p_value < OVERSHOOT_ALPHA,
    }
