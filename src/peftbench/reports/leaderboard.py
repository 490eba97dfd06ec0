"""The leaderboard: one row per (model, method), per-task scores, costs and PSCP.

Row inputs, defined here once: S = mean task score over the row's datasets (and seeds);
P = trainable parameters; L = median latency ms/token over the row's runs; M = largest peak
training memory over its runs; F = mean extra TFLOPs. PSCP maxima are over the rows of the same
model. Failed runs are listed, never dropped; missing cells are named.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from peftbench.config.schema import ScoringSettings
from peftbench.scoring.pscp import PAPER_FORMULA, SEED_FORMULA, add_pscp
from peftbench.scoring.sensitivity import sensitivity, summary
from peftbench.scoring.task_metric import with_task_metric


def build(
    records: Sequence[dict[str, Any]], scoring: ScoringSettings, expected: Sequence[str] = ()
) -> dict[str, Any]:
    ok = [
        with_task_metric(r, scoring.task_metric)
        for r in records
        if r["status"].get("status") == "ok"
    ]
    failed = [r for r in records if r["status"].get("status") != "ok"]
    present = {r["run_id"] for r in records}
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in ok:
        groups[(r["config"]["model"], r["config"]["method"])].append(r)
    datasets = sorted({r["config"]["dataset"] for r in ok})
    rows = [_row(model, method, runs, datasets) for (model, method), runs in groups.items()]
    for model in {r["model"] for r in rows}:
        add_pscp([r for r in rows if r["model"] == model], scoring.pscp, scoring.pscp_paper)
    rows.sort(key=lambda r: (r["model"], -r["pscp"]))
    # per model (the PSCP comparison): does the top method survive other weights/exponents?
    sens = {
        model: sensitivity(
            [r for r in rows if r["model"] == model], scoring.pscp, scoring.pscp_paper
        )
        for model in sorted({r["model"] for r in rows})
    }
    return {
        "datasets": datasets,
        "rows": rows,
        "failed": [{"run_id": r["run_id"], "error": r["status"].get("error")} for r in failed],
        "missing": [rid for rid in expected if rid not in present],
        "formulas": {"pscp": SEED_FORMULA, "pscp_paper": PAPER_FORMULA},
        "scoring": {"pscp": vars(scoring.pscp), "pscp_paper": vars(scoring.pscp_paper)},
        "task_metric": scoring.task_metric,
        "sensitivity": sens,
    }


def _row(model: str, method: str, runs: list[dict], datasets: list[str]) -> dict[str, Any]:
    per_task: dict[str, list[float]] = defaultdict(list)
    for r in runs:
        per_task[r["config"]["dataset"]].append(r["metrics"]["score"])
    scores = {d: statistics.fmean(v) for d, v in per_task.items()}
    eff = [r["efficiency"] for r in runs]
    return {
        "model": model,
        "method": method,
        "scores": {d: scores.get(d) for d in datasets},
        "score": statistics.fmean(scores.values()),
        "complete": all(d in scores for d in datasets),
        "runs": len(runs),
        "trainable_params": max(e["trainable_params"] for e in eff),
        "trainable_pct": max(e["trainable_pct"] for e in eff),
        "latency_ms_per_token": statistics.median(e["latency_ms_per_token"] for e in eff),
        "slowdown_pct": statistics.median(e["slowdown_pct"] for e in eff),
        "peak_train_mem_mb": max(e["peak_train_mem_mb"] for e in eff),
        "extra_tflops": statistics.fmean(e.get("extra_tflops") or 0.0 for e in eff),
        "invalid_rate": statistics.fmean(r["metrics"].get("invalid_rate", 0.0) for r in runs),
    }


def _params(n: int) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= size:
            return f"{n / size:.2f}{unit}"
    return str(n)


def render(board: dict[str, Any]) -> str:
    """Fixed-width text table (also valid Markdown)."""
    ds = board["datasets"]
    head = [
        "model",
        "method",
        *ds,
        "avg",
        "params",
        "params %",
        "ms/tok",
        "slowdown %",
        "train MiB",
        "pscp",
        "pscp_paper",
    ]
    lines = [head]
    for r in board["rows"]:
        cells = [r["model"], r["method"]]
        cells += [f"{r['scores'][d]:.1f}" if r["scores"][d] is not None else "-" for d in ds]
        cells += [
            f"{r['score']:.1f}",
            _params(r["trainable_params"]),
            f"{r['trainable_pct']:.3f}",
            f"{r['latency_ms_per_token']:.1f}",
            f"{r['slowdown_pct']:+.1f}",
            f"{r['peak_train_mem_mb']:.0f}",
            f"{r['pscp']:.2f}",
            f"{r['pscp_paper']:.2f}",
        ]
        lines.append(cells)
    widths = [max(len(str(row[i])) for row in lines) for i in range(len(head))]
    fmt = [
        "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in lines
    ]
    fmt.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    out = [
        "\n".join(fmt),
        "",
        f"sorted by pscp; {board['formulas']['pscp']} "
        f"(weights {board['scoring']['pscp']}); {board['formulas']['pscp_paper']} "
        f"(constants {board['scoring']['pscp_paper']})",
        "task scores: "
        + (
            "PEFT-Bench's metric per dataset (scoring.task_metric: paper)"
            if board.get("task_metric") == "paper"
            else "each dataset's official metric (scoring.task_metric: official)"
        ),
    ]
    for model, result in board.get("sensitivity", {}).items():
        out += [f"{model}: {line}" for line in summary(result).splitlines()]
    for f in board["failed"]:
        out.append(f"FAILED {f['run_id']}: {f['error']}")
    if board["missing"]:
        out.append(f"missing {len(board['missing'])} run(s): {', '.join(board['missing'])}")
    return "\n".join(out)
