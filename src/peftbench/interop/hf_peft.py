"""HF peft's method-comparison results (huggingface/peft `method_comparison/MetaMathQA/results/`)
read into peftbench records.

One result file is one run: `run_info` (experiment name, train_config, peft_config, timings),
`train_info` (memory, train time, file size, parameter counts, status and the per-eval-step
`metrics`, whose last entry holds the `test accuracy` and `forgetting`) and `meta_info` (model
and dataset hub shas, package versions, system). What maps where (docs in README, Interop):

    test accuracy x n        metrics.json  score (0-100), correct, eval_examples, item_set
    forgetting               metrics.json  forgetting (their definition: loss increase on
                                           general text, nats/token; not our retention)
    train_time, total_time   efficiency train_seconds, status wall_seconds
    accelerator_memory_max   efficiency peak_train_mem_mb (bytes / 2^20)
    num_trainable_params     efficiency trainable_params; base = total - trainable
    num_total_params         (full fine-tuning: trainable = total = base)
    file_size                efficiency adapter_bytes
    meta_info, train_config  provenance (source, packages, model sha) and config settings

Latency was never measured (`not_measured`), FLOPs neither (absent): missing, never zero.
`n` is the size of the test set: their runs score all of GSM8K's test split (1319 items); a
file may say otherwise in its last metrics entry (`test samples`, which `export` writes).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peftbench.results.record import (
    MAY_BE_UNMEASURED,
    Efficiency,
    Metrics,
    Provenance,
    RunConfig,
    Status,
)

FORMAT = "hf-peft"
GSM8K_TEST = 1319  # items in GSM8K's test split, which every HF peft MetaMathQA run scores
DATASET = "metamathqa"  # their task: train on MetaMathQA, score GSM8K test accuracy
ITEM_SET = "gsm8k-test"
METRIC = "accuracy"
TEST_SAMPLES = "test samples"  # our addition to their last metrics entry (export writes it)
PEFTBENCH_KEY = "peftbench"  # run_info block export adds: our identity of the run


class NotAResult(ValueError):
    """A file that is not a usable HF peft result, and why."""


@dataclass(frozen=True)
class ImportedRun:
    """One result file as the parts of a peftbench record."""

    run_id: str
    config: RunConfig
    status: Status
    metrics: Metrics | None
    efficiency: Efficiency | None
    provenance: Provenance
    train_log: list[dict[str, Any]]


def _get(data: dict[str, Any], *keys: str) -> Any:
    value: Any = data
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            raise NotAResult(f"no '{'.'.join(keys)}'")
        value = value[key]
    return value


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise NotAResult(f"'{what}' should be a non-negative number, found {value!r}")
    return int(value)


def _seconds(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise NotAResult(f"'{what}' should be seconds, found {value!r}")
    return float(value)


def run_id_of(model: str, method: str, seed: int, blob: bytes) -> str:
    """Readable like ours (model__dataset__method__seed__hash), hashed on the file's bytes."""
    digest = hashlib.sha256(blob).hexdigest()[:10]
    name = re.sub(r"[^A-Za-z0-9._+-]", "_", f"{model}__{DATASET}__{method}")
    return f"{name}__s{seed}__{digest}"


def _test_entry(train_info: dict[str, Any]) -> dict[str, Any]:
    rows = [m for m in train_info.get("metrics") or [] if isinstance(m, dict)]
    final = [m for m in rows if "test accuracy" in m]
    if not final:
        raise NotAResult("no 'test accuracy' in train_info.metrics")
    return final[-1]


def _correct(accuracy: Any, n: int) -> int:
    """Items right: accuracy x n must be a whole number (else n is not the set it was over)."""
    if isinstance(accuracy, bool) or not isinstance(accuracy, int | float):
        raise NotAResult(f"'test accuracy' should be a number, found {accuracy!r}")
    k = accuracy * n
    if not 0 <= accuracy <= 1 or abs(k - round(k)) > 1e-6:
        raise NotAResult(f"test accuracy {accuracy!r} is not a count out of {n} test items")
    return round(k)


def _fraction(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise NotAResult(f"'test accuracy' should be a fraction in [0, 1], found {value!r}")
    return float(value)


def read_result(path: Path) -> ImportedRun:
    """One HF peft result file as a record's parts, or NotAResult saying what is wrong."""
    blob = path.read_bytes()
    try:
        data = json.loads(blob.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotAResult(f"not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise NotAResult("not a JSON object")
    run_info, train_info = _get(data, "run_info"), _get(data, "train_info")
    meta = obj_at(data, "meta_info")
    train_config = _get(run_info, "train_config")
    for name, part in (
        ("run_info", run_info),
        ("train_info", train_info),
        ("train_config", train_config),
    ):
        if not isinstance(part, dict):
            raise NotAResult(f"'{name}' should be an object, found {type(part).__name__}")
    ours = obj_at(run_info, PEFTBENCH_KEY)
    model = str(ours.get("model") or _get(train_config, "model_id"))
    method = str(ours.get("method") or _get(run_info, "experiment_name"))
    seed = _count(train_config.get("seed", 0), "train_config.seed")
    run_id = str(ours.get("run_id") or run_id_of(model, method, seed, blob))
    settings = {
        "imported": {"format": FORMAT, "file": path.name},
        "hf_peft": {
            "experiment_name": run_info.get("experiment_name"),
            "train_config": train_config,
            "peft_config": run_info.get("peft_config"),
        },
    }
    dataset = str(ours.get("dataset") or DATASET)
    config = RunConfig(run_id, model, method, dataset, seed, settings)
    provenance = _provenance(path, blob, model, dataset, meta, run_info)
    log = [m for m in train_info.get("metrics") or [] if isinstance(m, dict)]
    status_name = train_info.get("status")
    if status_name != "success":
        error = run_info.get("error_msg") or f"HF peft run status {status_name!r}"
        status = Status.failed(run_id, f"{status_name}: {error}")
        return ImportedRun(run_id, config, status, None, None, provenance, log)
    metrics, efficiency, wall = _figures(train_info, run_info, meta, ours)
    status = Status(
        status="ok",
        run_id=run_id,
        started=_epoch(run_info.get("created_at")),
        wall_seconds=wall,
        score=metrics.score,
    )
    return ImportedRun(run_id, config, status, metrics, efficiency, provenance, log)


def _figures(
    train_info: dict[str, Any], run_info: dict[str, Any], meta: dict[str, Any], ours: dict
) -> tuple[Metrics, Efficiency, float]:
    """(metrics, efficiency, wall seconds) of a successful run."""
    test = _test_entry(train_info)
    n = _count(test.get(TEST_SAMPLES, GSM8K_TEST), TEST_SAMPLES)
    if n < 1:
        raise NotAResult("the test set is empty")
    metric = str(ours.get("metric") or METRIC)
    if metric == METRIC:
        k: int | None = _correct(test["test accuracy"], n)
        score = 100.0 * (k or 0) / n
    else:  # one of our records with another metric (F1, ROUGE...): a score, not a count
        k, score = None, 100.0 * _fraction(test["test accuracy"])
    values: dict[str, Any] = {metric: score}
    if k is not None:  # items right of n: the interval's bootstrap (results/items.counted)
        values.update(correct=k, item_set=ours.get("item_set") or ITEM_SET)
    if isinstance(test.get("forgetting"), int | float):
        values["forgetting"] = float(test["forgetting"])
    if isinstance(test.get("train loss"), int | float):
        values["final_train_loss"] = float(test["train loss"])
    metrics = Metrics(score=score, metric=metric, values=values, eval_examples=n)
    trainable = _count(_get(train_info, "num_trainable_params"), "num_trainable_params")
    total = _count(_get(train_info, "num_total_params"), "num_total_params")
    base = total if trainable >= total else total - trainable
    memory = _count(_get(train_info, "accelerator_memory_max"), "accelerator_memory_max")
    system = obj_at(meta, "system_info")
    eff: dict[str, Any] = {
        "trainable_params": trainable,
        "total_params": total,
        "base_params": base,
        "trainable_pct": 100.0 * trainable / base if base else 0.0,
        "peak_train_mem_mb": memory / 2**20,
        "memory_kind": "accelerator max reserved during the run (hf-peft)",
        "train_seconds": (  # null: a method that does not train (our `frozen`)
            None
            if train_info.get("train_time") is None
            else _seconds(train_info["train_time"], "train_time")
        ),
        "not_measured": list(MAY_BE_UNMEASURED),
        "device": "cuda" if system.get("accelerator") else None,
        "device_name": system.get("accelerator"),
    }
    if isinstance(train_info.get("file_size"), int):
        eff["adapter_bytes"] = train_info["file_size"]
    if isinstance(test.get("train total tokens"), int):
        eff["train_tokens"] = test["train total tokens"]
    for key in ("accelerator_memory_reserved_avg", "accelerator_memory_reserved_99th"):
        if isinstance(train_info.get(key), int | float):
            eff[key.replace("accelerator_memory", "memory") + "_mb"] = train_info[key] / 2**20
    efficiency = Efficiency.from_json({k: v for k, v in eff.items() if v is not None})
    wall = _seconds(run_info.get("total_time") or 0.0, "total_time")
    return metrics, efficiency, wall


def _provenance(
    path: Path,
    blob: bytes,
    model: str,
    dataset: str,
    meta: dict[str, Any],
    run_info: dict[str, Any],
) -> Provenance:
    """Where the figures came from (the file and its hash) and what they ran on."""
    packages, model_info = obj_at(meta, "package_info"), obj_at(meta, "model_info")
    return Provenance(
        {
            "source": {
                "format": FORMAT,
                "file": path.name,
                "sha256": hashlib.sha256(blob).hexdigest(),
                "origin": "huggingface/peft method_comparison (Apache-2.0)",
                "peft_branch": run_info.get("peft_branch"),
            },
            "packages": {
                k.removesuffix("-version"): v
                for k, v in packages.items()
                if k.endswith("-version") and v is not None
            },
            "model": {"name": model, "sha": model_info.get("sha"), **model_info},
            "dataset": {"name": dataset, "hub": meta.get("dataset_info")},
            "hf_peft_meta_info": meta,
        }
    )


def obj_at(data: dict[str, Any], key: str) -> dict[str, Any]:
    """`data[key]` when it is an object, else {} (their files hold null where unknown)."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _epoch(text: Any) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None
