"""`peftbench export --format hf-peft`: peftbench records written in HF peft's result schema.

Every key of their schema is written; a figure we do not have is null, as in their cancelled
runs (memory averages, their eval-step metrics, hub shas). Two additions their readers ignore
make the way back exact: the last metrics entry carries `test samples` (n; their files assume
GSM8K's 1319) and run_info carries `peftbench` (our run id, model, method, dataset), so
`peftbench import hf-peft` gives back the same cell with every figure their schema can carry.
An imported record exports its original run_info/meta_info with the figures from the record.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

from peftbench.interop.hf_peft import PEFTBENCH_KEY, TEST_SAMPLES, obj_at
from peftbench.results.atomic import write_json
from peftbench.results.record import RunRecord


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).isoformat()


def _train_config(record: RunRecord) -> dict[str, Any]:
    """Their train_config from our resolved settings (null where we have no such setting)."""
    c = record.config
    assert c is not None
    imported = c.settings.get("hf_peft")
    if isinstance(imported, dict) and isinstance(imported.get("train_config"), dict):
        return dict(imported["train_config"])
    t = c.settings.get("training") or {}
    e = c.settings.get("evaluation") or {}
    options = c.settings.get("model_options") or {}
    return {
        "model_id": c.model,
        "dtype": options.get("dtype"),
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
            "lr": c.method_params.get("lr"),
            "weight_decay": t.get("weight_decay"),
        },
        "lr_scheduler": t.get("lr_scheduler"),
        "use_amp": None,
        "autocast_adapter_dtype": None,
        "generation_kwargs": {"max_length": None, "max_new_tokens": e.get("max_new_tokens")},
        "attn_implementation": None,
        "init_kv_cache_prefix": None,
    }


def _metrics(record: RunRecord) -> list[dict[str, Any]]:
    """Their per-step metrics: our training log's losses, then the final test entry."""
    m, eff = record.metrics, record.eff
    assert m is not None
    values = m.values
    final = {
        "step": eff.get("steps"),
        "test accuracy": m.score / 100.0,
        "train loss": values.get("final_train_loss", eff.get("final_loss")),
        "train samples": None,
        "train total tokens": eff.get("train_tokens") or eff.get("tokens"),
        "forgetting": values.get("forgetting"),
        TEST_SAMPLES: m.eval_examples,
    }
    return [final]


def to_hf_peft(record: RunRecord) -> dict[str, Any]:
    """One ok record as their result file's object."""
    c, eff, status = record.config, record.eff, record.status
    assert c is not None and status is not None and record.metrics is not None
    imported = obj_at(c.settings, "hf_peft")
    meta = record.provenance.data.get("hf_peft_meta_info")
    run_info = {
        "created_at": _iso(status.started),
        "total_time": status.wall_seconds,
        "experiment_name": imported.get("experiment_name") or f"{c.method}/{record.run_id}",
        "peft_branch": None,
        "peft_worktree_is_dirty": None,
        "train_config": _train_config(record),
        "peft_config": imported.get("peft_config") if imported else c.method_params or None,
        "error_msg": "",
        PEFTBENCH_KEY: {
            "run_id": record.run_id,
            "model": c.model,
            "method": c.method,
            "dataset": c.dataset,
            "metric": record.metrics.metric,
            "item_set": record.metrics.values.get("item_set") or f"{c.dataset}-eval",
        },
    }
    train_info = {
        "accelerator_memory_reserved_avg": None,
        "accelerator_memory_max": round(eff.peak_train_mem_mb * 2**20),
        "accelerator_memory_reserved_99th": None,
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


def _meta(record: RunRecord) -> dict[str, Any]:
    p = record.provenance.data
    packages, model = obj_at(p, "packages"), obj_at(p, "model")
    info: dict[str, Any] = {}
    for name in ("transformers", "peft", "datasets", "bitsandbytes", "torch"):
        info[f"{name}-version"] = packages.get(name)
        info[f"{name}-commit-hash"] = None
    return {
        "model_info": {"sha": model.get("sha") or model.get("revision"), "created_at": None},
        "dataset_info": {record.dataset: {"sha": None, "created_at": None}},
        "package_info": info,
        "system_info": {
            "system": p.get("os") or p.get("platform"),
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
    name = to_hf_peft(record)["run_info"]["experiment_name"].replace("/", "--")
    return re.sub(r"[^A-Za-z0-9._+=-]", "_", name)[:200] + ".json"


def export_hf_peft(records: list[RunRecord], out: Path) -> list[Path]:
    """Write each ok record as one result file in `out`; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for record in records:
        if not record.ok:
            continue
        path = out / file_name(record)
        write_json(path, to_hf_peft(record))
        written.append(path)
    return written
