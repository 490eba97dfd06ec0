"""How much a PSCP ranking depends on its weights: the sensitivity table (docs/measurements.md).

For one comparison (the rows of one model, as the leaderboard compares them) every combination of
the three exponents of the paper form (bp, bf, bm), and of the three weights of the seed form
(a, b, g), over `VALUES` = (0.5, 1, 2) is scored: 27 combinations per form. Each combination
records the top-ranked method and the full ranking; `top_changes` is True when the top method is
not the same in all of them, i.e. a reader's conclusion depends on a choice of weights. Constants
and the formula are stored with the table; the other settings are the suite's.

Retention (forgetting on general tasks) enters PSCP with its own weight (r in the seed form, br in
the paper form; 0 by default). A second table per form, `retention`, varies that weight alone over
`RETENTION_VALUES` (0 and `VALUES`) with the others at the suite's settings, so a reader sees
whether counting forgetting would change the top method.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from typing import NotRequired, TypedDict, TypeGuard, TypeVar

from peftbench.config.schema import PscpPaperSettings, PscpSeedSettings
from peftbench.json_types import JSONValue
from peftbench.scoring.pscp import (
    FORMS,
    PAPER_FORMULA,
    SEED_FORMULA,
    Figures,
    Form,
    method_of,
    pscp_values,
)

VALUES = (0.5, 1.0, 2.0)
RETENTION_VALUES = (0.0, *VALUES)

# the weights a table varies: those of one PSCP form
W = TypeVar("W", PscpSeedSettings, PscpPaperSettings)


class Table(TypedDict):
    """One form's weight grid (the leaderboard's `sensitivity`: board.model.SensitivityForm).
    `table`: one entry per combination, the varied weights, "top", "ranking" and "scores" (the
    board adds "best_set" and "inside_noise"). `tops` counts the combinations each method tops
    (None: no method to rank)."""

    varied: list[str]
    values: list[float]
    settings: dict[str, float]
    default_top: str | None
    tops: dict[str | None, int]
    top_changes: bool
    table: list[dict[str, JSONValue]]
    formula: NotRequired[str]
    # the retention weight alone (module docstring)
    retention: NotRequired[Table]
    # added by the board with per-item data (a row of leaderboard.json, read by `summary`)
    inside_noise: NotRequired[int | None]
    top_changes_beyond_noise: NotRequired[bool | None]


class Result(TypedDict):
    """Both forms' tables of one comparison."""

    pscp_paper: Table
    pscp: Table


def _ranking(scores: dict[str, float]) -> list[str]:
    """Best first; ties broken by name, so the table is deterministic."""
    return sorted(scores, key=lambda m: (-scores[m], m))


def _scores(
    rows: Sequence[Figures], seed_w: PscpSeedSettings, paper_w: PscpPaperSettings, form: Form
) -> dict[str, float]:
    """{method: PSCP of `form`}, through the one `pscp_values` (the rows are contestants)."""
    values = pscp_values(rows, seed_w, paper_w)
    return {
        method_of(r): value
        for r, v in zip(rows, values, strict=True)
        if (value := v[form]) is not None
    }


def _seed_scorer(
    paper_w: PscpPaperSettings,
) -> Callable[[Sequence[Figures], PscpSeedSettings], dict[str, float]]:
    return lambda rows, seed_w: _scores(rows, seed_w, paper_w, "pscp")


def _paper_scorer(
    seed_w: PscpSeedSettings,
) -> Callable[[Sequence[Figures], PscpPaperSettings], dict[str, float]]:
    return lambda rows, paper_w: _scores(rows, seed_w, paper_w, "pscp_paper")


def _table(
    rows: Sequence[Figures],
    names: tuple[str, ...],
    settings: W,
    score: Callable[[Sequence[Figures], W], dict[str, float]],
    values: Sequence[float],
) -> Table:
    default_rank = _ranking(score(rows, settings))
    table: list[dict[str, JSONValue]] = []
    tops: Counter[str | None] = Counter()
    for combo in itertools.product(values, repeat=len(names)):
        weights = dict(zip(names, combo, strict=True))
        scores = score(rows, replace(settings, **weights))
        ranking = _ranking(scores)
        top = ranking[0] if ranking else None
        tops[top] += 1
        ranked: list[JSONValue] = list(ranking)
        scored: dict[str, JSONValue] = dict(scores)
        table.append({**weights, "top": top, "ranking": ranked, "scores": scored})
    return {
        "varied": list(names),
        "values": list(values),
        "settings": asdict(settings),
        "default_top": default_rank[0] if default_rank else None,
        "tops": dict(tops.most_common()),
        "top_changes": len(tops) > 1,
        "table": table,
    }


def sensitivity(
    rows: Sequence[Figures],
    seed_w: PscpSeedSettings,
    paper_w: PscpPaperSettings,
    values: Sequence[float] = VALUES,
) -> Result:
    """Both forms' tables for one comparison. `rows`: leaderboard rows (method, score,
    trainable_params, latency_ms_per_token, peak_train_mem_mb, extra_tflops). Baseline rows are
    left out: PSCP ranks the PEFT methods only; so are rows missing a dataset (their mean score is
    over fewer tasks, so it does not compare with the others')."""
    rows = [r for r in rows if not r.get("baseline") and r.get("complete", True)]
    paper, seed = _paper_scorer(seed_w), _seed_scorer(paper_w)
    return {
        "pscp_paper": {
            "formula": PAPER_FORMULA,
            **_table(rows, ("bp", "bf", "bm"), paper_w, paper, values),
            "retention": _table(rows, ("br",), paper_w, paper, RETENTION_VALUES),
        },
        "pscp": {
            "formula": SEED_FORMULA,
            **_table(rows, ("a", "b", "g"), seed_w, seed, values),
            "retention": _table(rows, ("r",), seed_w, seed, RETENTION_VALUES),
        },
    }


TABLE_KEYS = frozenset(Table.__required_keys__)


def is_result(data: object) -> TypeGuard[Result]:
    """Whether `data` (a comparison's sensitivity in its JSON form, as leaderboard.json holds
    it) has both forms' tables with every key `summary` reads."""
    return isinstance(data, dict) and all(
        isinstance(form := data.get(name), dict) and TABLE_KEYS <= form.keys() for name in FORMS
    )


def summary(result: Result) -> str:
    """One line per form, e.g. for the text leaderboard."""
    lines = []
    for form in FORMS:
        s = result[form]
        if s["default_top"] is None:
            lines.append(f"{form} sensitivity: no PEFT method with every dataset to rank")
            continue
        combos = len(s["table"])
        counts = ", ".join(f"{m} {n}/{combos}" for m, n in s["tops"].items())
        verdict = "TOP METHOD CHANGES with the weights" if s["top_changes"] else "top method stable"
        varied = "/".join(s["varied"])
        values = "/".join(f"{v:g}" for v in s["values"])
        noise = ""
        if s.get("inside_noise") is not None:
            beyond = "changes" if s.get("top_changes_beyond_noise") else "does not change"
            noise = (
                f"; {s['inside_noise']}/{combos} top calls inside the noise, the top {beyond} "
                "between calls beyond it"
            )
        lines.append(f"{form} sensitivity ({varied} in {values}): {verdict} ({counts}){noise}")
        ret = s.get("retention")
        if ret and ret["top_changes"]:
            weight = ret["varied"][0]
            tops = ", ".join(f"{m} {n}/{len(ret['table'])}" for m, n in ret["tops"].items())
            lines.append(f"{form}: counting forgetting ({weight} in 0..2) changes the top ({tops})")
    return "\n".join(lines)
