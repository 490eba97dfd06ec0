"""`peftbench export --format hf-peft RESULTS --out DIR`: peftbench records in HF peft's result
schema, one JSON file per ok run.

Every key of their schema is written; a figure we do not have is null, as in their cancelled
runs (memory averages, their eval-step metrics, hub shas). Two additions their readers ignore
make the way back exact: the last metrics entry carries `test samples` (n; their files assume
GSM8K's 1319) and run_info carries `peftbench` (the cell: run id, model, method, dataset, seed,
resolved settings; the metric, and for right/wrong items how many were right), so
`peftbench import hf-peft` gives back the same cell, under the same run id, with every figure
their schema can carry. An imported record exports its original run_info/meta_info with the
figures from the record.

Nothing in DIR is overwritten: a file already there with other content stops the export
(exit 2) before anything is written; one with the same content is left as it is.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from peftbench.errors import UserError
from peftbench.interop.hf_peft import PEFTBENCH_KEY, TEST_SAMPLES, obj_at
from peftbench.json_types import JSONObject, JSONValue
from peftbench.results.atomic import write_text
from peftbench.results.checks import is_number
from peftbench.results.crosscheck import scores_of
from peftbench.results.items import read_predictions
from peftbench.results.record import RunRecord

PACKAGES = ("transformers", "peft", "datasets", "bitsandbytes", "torch")


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).isoformat()


def _train_config(record: RunRecord) -> JSONObject:
    """Their train_config from our resolved settings (null where we have no such setting)."""
    c = record.config
    assert c is not None
    theirs = obj_at(c.settings, "hf_peft").get("train_config")
    if isinstance(theirs, dict):
        return dict(theirs)
    t, e = obj_at(c.settings, "training"), obj_at(c.settings, "evaluation")
    return {
        "model_id": c.model,
        "dtype": obj_at(c.settings, "model_options").get("dtype"),
        "max_seq_length": t.get("max_length"),
        "batch_size": t.get("batch_size"),
        "batch_size_eval": e.get("batch_size"),
        "max_steps": t.get("max_steps"),
        "eval_steps": None,
        "compile": None,
        "use_gc": None,
        "query_template": None,
        "seed": c.seed,
        "grad_norm_clip": None,
        "optimizer_type": t.get("optimizer"),
        "optimizer_kwargs": {
            "lr": c.method_params.get("learning_rate", c.method_params.get("lr")),
            "weight_decay": t.get("weight_decay"),
        },
        "lr_scheduler": t.get("lr_scheduler"),
        "use_amp": None,
        "autocast_adapter_dtype": None,
        "generation_kwargs": {"max_length": None, "max_new_tokens": e.get("max_new_tokens")},
        "attn_implementation": None,
        "init_kv_cache_prefix": None,
    }


def right_wrong(record: RunRecord) -> int | None:
    """How many items were right, when every item scored 0 or 100 on the headline metric (a
    count their accuracy can carry); None for graded items or a run without per-item scores."""
    m = record.metrics
    assert m is not None
    correct = m.values.get("correct")
    if isinstance(correct, int):  # an imported count
        return int(correct)
    scores = item_scores(record.folder, m.metric)
    if scores is None or not all(s in (0, 100) for s in scores):
        return None
    return sum(s == 100 for s in scores)


def item_scores(folder: Path, metric: str) -> list[float] | None:
    """The run's per-item scores: as written, or (older records) recomputed from the parsed
    predictions when the metric is a mean of per-item scores; None otherwise."""
    rows = read_predictions(folder)
    if not rows:
        return None
    if all(metric in scores_of(r) for r in rows):  # each a number (load_predictions checks)
        return [float(v) for r in rows if is_number(v := scores_of(r)[metric])]
    from peftbench.metrics import METRICS

    entry = METRICS.get(metric) if metric in METRICS else None
    if entry is None or entry.items is None or not all("parsed" in r for r in rows):
        return None
    return [
        float(s) for s in entry.items([r["parsed"] for r in rows], [r.get("gold") for r in rows])
    ]


def _ours(record: RunRecord) -> JSONObject:
    """The `peftbench` block of run_info: the cell as config.json holds it, and the metric."""
    c, m = record.config, record.metrics
    assert c is not None and m is not None
    block: JSONObject = {
        "run_id": record.run_id,
        "model": c.model,
        "method": c.method,
        "dataset": c.dataset,
        "seed": c.seed,
        "settings": c.settings,
        "metric": m.metric,
        "item_set": m.values.get("item_set") or f"{c.dataset}-eval",
    }
    correct = right_wrong(record)
    if correct is not None:
        block["correct"] = correct
    return block


def _metrics(record: RunRecord) -> list[JSONValue]:
    """Their per-step metrics: the final test entry (our training log is not in their form)."""
    m, eff = record.metrics, record.eff
    assert m is not None
    return [
        {
            "step": eff.get("steps"),
            "test accuracy": m.score / 100.0,
            "train loss": m.values.get("final_train_loss", eff.get("final_loss")),
            "train samples": None,
            "train total tokens": eff.get("train_tokens") or eff.get("tokens"),
            "forgetting": m.values.get("forgetting"),
            TEST_SAMPLES: m.eval_examples,
        }
    ]


def _experiment_name(record: RunRecord) -> JSONValue:
    """An imported run's own experiment name, else `<method>/<run id>`."""
    c = record.config
    assert c is not None
    return obj_at(c.settings, "hf_peft").get("experiment_name") or f"{c.method}/{record.run_id}"


def to_hf_peft(record: RunRecord) -> JSONObject:
    """One ok record as their result file's object."""
    c, eff, status = record.config, record.eff, record.status
    assert c is not None and status is not None and record.metrics is not None
    imported = obj_at(c.settings, "hf_peft")
    meta = record.provenance.data.get("hf_peft_meta_info")
    source = obj_at(record.provenance.data, "source")
    run_info: JSONObject = {
        "created_at": _iso(status.started),
        "total_time": status.wall_seconds,
        "experiment_name": _experiment_name(record),
        "peft_branch": source.get("peft_branch"),
        "peft_worktree_is_dirty": None,
        "train_config": _train_config(record),
        "peft_config": imported.get("peft_config") if imported else c.method_params or None,
        "error_msg": "",
        PEFTBENCH_KEY: _ours(record),
    }
    train_info: JSONObject = {
        "accelerator_memory_reserved_avg": _bytes(eff.number("memory_reserved_avg_mb")),
        "accelerator_memory_max": _bytes(eff.peak_train_mem_mb),
        "accelerator_memory_reserved_99th": _bytes(eff.number("memory_reserved_99th_mb")),
        "train_time": eff.train_seconds,
        "file_size": eff.adapter_bytes,
        "num_trainable_params": eff.trainable_params,
        "num_total_params": eff.total_params,
        "status": "success",
        "metrics": _metrics(record),
    }
    return {
        "run_info": run_info,
        "train_info": train_info,
        "meta_info": meta if isinstance(meta, dict) else _meta(record),
    }


def _bytes(mib: float | None) -> int | None:
    return None if mib is None else round(mib * 2**20)


def _meta(record: RunRecord) -> JSONObject:
    p = record.provenance.data
    packages, model = obj_at(p, "packages"), obj_at(p, "model")
    info: JSONObject = {}
    for name in PACKAGES:
        info[f"{name}-version"] = packages.get(name)
        info[f"{name}-commit-hash"] = None
    return {
        "model_info": {"sha": model.get("sha") or model.get("revision"), "created_at": None},
        "dataset_info": {record.dataset: {"sha": None, "created_at": None}},
        "package_info": info,
        "system_info": {
            "system": p.get("os"),
            "release": None,
            "version": None,
            "machine": p.get("machine"),
            "processor": p.get("cpu"),
            "accelerator": record.eff.device_name,
        },
        "pytorch_info": None,
    }


def file_name(record: RunRecord) -> str:
    """Their naming (experiment name, '/' as '--'), made safe for any file system."""
    name = str(_experiment_name(record)).replace("/", "--")
    return re.sub(r"[^A-Za-z0-9._+=-]", "_", name)[:200] + ".json"


@dataclass
class ExportReport:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)  # already there with the same content
    left_out: int = 0  # failed or damaged runs: their schema holds finished runs


def planned(records: list[RunRecord]) -> dict[str, str]:
    """{file name: content} of every ok record; a name two runs share gets the run id's digest."""
    out: dict[str, str] = {}
    for record in sorted((r for r in records if r.ok), key=lambda r: r.run_id):
        name = file_name(record)
        if name in out:
            name = f"{name.removesuffix('.json')}--{record.run_id[-10:]}.json"
        out[name] = json.dumps(to_hf_peft(record), indent=2) + "\n"
    return out


def export_hf_peft(records: list[RunRecord], out: Path) -> ExportReport:
    """Write each ok record as one result file in `out` (see the module docstring)."""
    files = planned(records)
    report = ExportReport(left_out=sum(not r.ok for r in records))
    clash = [n for n, text in files.items() if _differs(out / n, text)]
    if clash:
        raise UserError(
            f"--out '{out}' already holds {len(clash)} file(s) this export would change, e.g. "
            f"{clash[0]}; nothing was written",
            "export into a new folder, or move those files away",
        )
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = out / name
        if path.exists():
            report.unchanged.append(path)
            continue
        write_text(path, text)
        report.written.append(path)
    return report


def _differs(path: Path, text: str) -> bool:
    """A file (or anything) at `path` that is not exactly `text`."""
    if not path.exists() and not path.is_symlink():
        return False
    if path.is_symlink() or not path.is_file():
        return True
    try:
        return path.read_text(encoding="utf-8") != text
    except (OSError, UnicodeDecodeError):
        return True
