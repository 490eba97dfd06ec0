"""Text for `peftbench ls` and `peftbench show` (no torch import for `ls`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from peftbench.datasets import DATASETS
from peftbench.errors import UserError
from peftbench.method_listing import method_table
from peftbench.methods import METHODS
from peftbench.models import MODELS
from peftbench.reports.text_table import fixed_width
from peftbench.results.folder import read_folder
from peftbench.results.record import Status, read_run
from peftbench.scoring.profiles import scoring_for

if TYPE_CHECKING:
    from peftbench.results.record import RunRecord
    from peftbench.scoring.constraints import Constraints


def _table(head: list[str], rows: list[list[str]]) -> str:
    return fixed_width(head, rows)


def listing(what: str, params: bool = False) -> str:
    from peftbench.config.loader import builtin_suites

    parts = []
    if what in ("all", "suites"):
        rows = []
        for name, path in sorted(builtin_suites().items()):
            import yaml

            data = yaml.safe_load(path.read_text()) or {}
            rows.append([name, str(data.get("description", "")).strip()])
        parts.append("suites\n" + _table(["name", "description"], rows))
    if what in ("all", "methods"):
        head, rows = method_table(METHODS, with_params=params)
        parts.append("methods\n" + _table(head, rows))
    if what in ("all", "datasets"):
        rows = [
            [
                d.name + (" *" if "fingerprint" in d.extras else ""),
                d.group,
                f"{d.splits[0]}->{d.splits[1]}",
                ", ".join((d.metric, *d.extra_metrics)),
                d.pin or "n/a (not from the hub)",
                d.source,
            ]
            for d in DATASETS
        ]
        parts.append(
            "datasets\n"
            + _table(["name", "group", "splits", "metrics (headline first)", "pin", "source"], rows)
            + "\n<data-dir>/<name>/<split>.*: the split as .parquet, .jsonl or .csv in the hub "
            "schema, read instead of the hub with `peftbench run --data-dir DIR` (offline)"
            + "\n* declared in YAML (a suite's dataset_defs, or --tasks DIR), not built in"
        )
    if what in ("all", "models"):
        rows = [[m.name, m.source, m.description] for m in MODELS]
        parts.append("models\n" + _table(["name", "source", "description"], rows))
    return "\n\n".join(parts)


def _interval(rec: RunRecord) -> str:
    """' 95% CI [a, b]' from the run's own eval items (Wilson / t for a mean over items, else the
    bootstrap: scoring/seeds.py, as the leaderboard; an imported run's count), or '' without
    per-item data."""
    from peftbench.results.items import counted, item_sample
    from peftbench.scoring.seeds import cell_interval

    assert rec.metrics is not None
    sample = item_sample(rec.folder, rec.metrics.metric) or counted(rec.run_id, rec.metrics)
    if sample is None:
        return ""
    iv = cell_interval([sample])
    return f" 95% CI [{iv.low:.2f}, {iv.high:.2f}] over {len(sample.ids)} items"


def show(path: Path, profile: str | None = None, limits: Constraints | None = None) -> str:
    """A results folder's leaderboard (ranked by `profile`, within `limits` when given: see
    `leaderboard.of_folder`), or one run's record."""
    from peftbench.board.build import of_folder
    from peftbench.reports.leaderboard import render

    path = Path(path)
    if (path / "runs").is_dir():
        folder = read_folder(path)
        return render(of_folder(folder, scoring_for(folder.scoring, profile), limits))
    if path.is_dir() and ((path / Status.FILE).exists() or path.parent.name == "runs"):
        return _run_text(read_run(path))
    raise UserError(
        f"{path} is neither a results folder (with runs/) nor a run folder",
        "pass the --out folder of `peftbench run`, or one of its runs/<run_id>",
    )


def _ms(value: float | None) -> str:
    return "- (not measured)" if value is None else f"{value:.2f}"


def _run_text(rec: RunRecord) -> str:
    lines = [
        f"run {rec.run_id}: {rec.state}",
        f"  model {rec.model}  method {rec.method}  dataset {rec.dataset}  seed {rec.seed}",
    ]
    if not rec.ok or rec.metrics is None or rec.status is None:
        lines.append(f"  error: {rec.error}")
        return "\n".join(lines)
    from peftbench.efficiency.paired import describe

    met, eff = rec.metrics, rec.eff
    base = eff.base_latency_ms_per_token
    figures = eff.to_json()
    lines += [
        f"  score {met.score:.2f} ({met.metric}){_interval(rec)}, "
        f"invalid rate {met.invalid_rate:.3f}",
        f"  trainable {eff.trainable_params} ({eff.trainable_pct:.3f}%), "
        f"adapter {eff.adapter_bytes} bytes",
        f"  latency {_ms(eff.latency_ms_per_token)} ms/token "
        f"(base {'-' if base is None else f'{base:.2f}'} in the same blocks), "
        f"paired slowdown {describe(figures)}",
        f"  prefill slowdown {describe(figures, figure='prefill_slowdown')}"
        + (f"; merged {describe(figures, 'merged_')}" if figures.get("merged") else ""),
        *_copied(rec),
        f"  peak training memory {eff.peak_train_mem_mb:.0f} MiB ({eff.memory_kind})",
        "  phases: " + ", ".join(f"{k} {v:.1f}s" for k, v in rec.status.phase_seconds.items()),
    ]
    return "\n".join(lines)


def _copied(rec: RunRecord) -> list[str]:
    """A line when the run's paired latency was not timed in it (efficiency.latency_cache)."""
    from peftbench.reports.escape import terminal

    source = rec.eff.get("latency_reused_from")
    if not source:
        return []
    if source == rec.run_id:
        return ["  latency timed by this run's earlier attempt (its record set aside, run again)"]
    return [
        f"  latency copied from run {terminal(str(source))} (same adapter structure; not timed "
        "in this run)"
    ]
