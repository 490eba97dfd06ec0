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
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

from peftbench.config.schema import PscpPaperSettings, PscpSeedSettings
from peftbench.scoring.pscp import PAPER_FORMULA, SEED_FORMULA, add_pscp

VALUES = (0.5, 1.0, 2.0)
RETENTION_VALUES = (0.0, *VALUES)


def _ranking(scores: dict[str, float]) -> list[str]:
    """Best first; ties broken by name, so the table is deterministic."""
    return sorted(scores, key=lambda m: (-scores[m], m))


def _scorer(form: str, other: Any) -> Any:
    """score(rows, settings) -> {method: PSCP of `form`}, through the one `add_pscp`."""

    def score(rows: Sequence[dict[str, Any]], settings: Any) -> dict[str, float]:
        copies = [dict(r) for r in rows]
        if form == "pscp":
            add_pscp(copies, settings, other)
        else:
            add_pscp(copies, other, settings)
        return {r["method"]: r[form] for r in copies}

    return score


def _table(
    rows: Sequence[dict[str, Any]],
    names: tuple[str, ...],
    settings: Any,
    score: Any,
    values: Sequence[float],
) -> dict[str, Any]:
    default_rank = _ranking(score(rows, settings))
    table = []
    for combo in itertools.product(values, repeat=len(names)):
        weights = dict(zip(names, combo, strict=True))
        scores = score(rows, replace(settings, **weights))
        ranking = _ranking(scores)
        top = ranking[0] if ranking else None
        table.append({**weights, "top": top, "ranking": ranking, "scores": scores})
    tops = Counter(t["top"] for t in table)
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
    rows: Sequence[dict[str, Any]],
    seed_w: PscpSeedSettings,
    paper_w: PscpPaperSettings,
    values: Sequence[float] = VALUES,
) -> dict[str, Any]:
    """Both forms' tables for one comparison. `rows`: leaderboard rows (method, score,
    trainable_params, latency_ms_per_token, peak_train_mem_mb, extra_tflops). Baseline rows are
    left out: PSCP ranks the PEFT methods only; so are rows missing a dataset (their mean score is
    over fewer tasks, so it does not compare with the others')."""
    rows = [r for r in rows if not r.get("baseline") and r.get("complete", True)]
    paper, seed = _scorer("pscp_paper", seed_w), _scorer("pscp", paper_w)
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


def summary(result: dict[str, Any]) -> str:
    """One line per form, e.g. for the text leaderboard."""
    lines = []
    for form in ("pscp", "pscp_paper"):
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
