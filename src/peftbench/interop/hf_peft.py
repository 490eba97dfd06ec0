"""HF peft's method-comparison results (huggingface/peft `method_comparison/MetaMathQA/results/`)
read into peftbench records.

One result file is one run: `run_info` (experiment name, train_config, peft_config, timings),
`train_info` (memory, train time, file size, parameter counts, status and the per-eval-step
`metrics`, whose last entry holds the `test accuracy` and `forgetting`) and `meta_info` (model
and dataset hub shas, package versions, system). What maps where (docs/interop.md):

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
file `peftbench export` wrote says otherwise in its last metrics entry (`test samples`).

Every part goes through the record's own typed readers (`Metrics.from_json`, ...), so an
imported record meets the checks any record meets; a file that fails them is `NotAResult`.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

from peftbench.config.schema import id_part, run_digest
from peftbench.json_types import JSONObject, JSONValue
from peftbench.results.checks import RecordDamage, finite_tree, is_number
from peftbench.results.record import (
    MAY_BE_UNMEASURED,
    Efficiency,
    Metrics,
    Provenance,
    RunConfig,
    Status,
)
from peftbench.results.safe_read import Refused, read_capped

FORMAT = "hf-peft"
GSM8K_TEST = 1319  # items in GSM8K's test split, which every HF peft MetaMathQA run scores
DATASET = "metamathqa"  # their task: train on MetaMathQA, score GSM8K test accuracy
ITEM_SET = "gsm8k-test"
METRIC = "accuracy"
TEST_SAMPLES = "test samples"  # our addition to their last metrics entry (export writes it)
PEFTBENCH_KEY = "peftbench"  # run_info block export adds: our identity of the run
PARTS = ("run_info", "train_info", "meta_info")


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
    train_log: list[JSONObject]


def _get(data: JSONObject, *keys: str) -> JSONValue:
    value: JSONValue = data
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            raise NotAResult(f"no '{'.'.join(keys)}' (not in HF peft's result schema)")
        value = value[key]
    return value


def obj_at(data: Mapping[str, JSONValue], key: str) -> JSONObject:
    """`data[key]` when it is an object, else {} (their files hold null where unknown)."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def load(path: Path) -> tuple[JSONObject, bytes]:
    """The file's JSON object and bytes; NotAResult when it is no JSON object of their schema."""
    try:
        blob = read_capped(path)
    except Refused as exc:
        raise NotAResult(exc.reason) from None
    try:
        data = json.loads(blob.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise NotAResult(f"not JSON ({str(exc)[:120]})") from None
    if not isinstance(data, dict):
        raise NotAResult("not a JSON object")
    missing = [p for p in PARTS if p not in data]
    if missing:
        raise NotAResult(f"no {', '.join(missing)} (not in HF peft's result schema)")
    for name in ("run_info", "train_info"):
        if not isinstance(data[name], dict):
            raise NotAResult(f"'{name}' should be an object, found {type(data[name]).__name__}")
    if not isinstance(_get(data, "run_info", "train_config"), dict):
        raise NotAResult("'run_info.train_config' should be an object")
    return data, blob


def read_result(path: Path) -> ImportedRun:
    """One HF peft result file as a record's parts, or NotAResult saying what is wrong."""
    data, blob = load(path)
    run_info, train_info = obj_at(data, "run_info"), obj_at(data, "train_info")  # load checked
    meta = obj_at(data, "meta_info")
    config = run_config(run_info, hashlib.sha256(blob).hexdigest())
    provenance = _provenance(path, blob, config, meta, run_info)
    log = _metric_rows(train_info)
    status_name = train_info.get("status")
    try:
        _as_read_back(config, provenance)
        if status_name != "success":
            error = run_info.get("error_msg") or f"HF peft run status {status_name!r}"
            status = Status.failed(config.run_id, f"{status_name}: {error}")
            return ImportedRun(config.run_id, config, status, None, None, provenance, log)
        metrics, efficiency = _metrics(train_info, run_info), _efficiency(train_info, meta)
        status = Status.from_json(
            {
                "status": "ok",
                "run_id": config.run_id,
                "started": _epoch(run_info.get("created_at")),
                "wall_seconds": run_info.get("total_time") or 0.0,
                "score": metrics.score,
            }
        )
    except RecordDamage as exc:
        raise NotAResult(f"{exc.file}: {exc.reason}") from None
    return ImportedRun(config.run_id, config, status, metrics, efficiency, provenance, log)


def _as_read_back(config: RunConfig, provenance: Provenance) -> None:
    """The parts that carry their file's values as they are (train_config and peft_config in
    the config, meta_info in the provenance) meet the check every reader runs on every number
    (finite, within 1e30): a seed of 1e38 or a NaN in peft_config stops the import here rather
    than writing a record that every reader then shows as DAMAGED."""
    for part in (config, provenance):
        finite_tree(part.to_json(), part.FILE)


def run_config(run_info: JSONObject, sha256: str) -> RunConfig:
    """The cell: ours as `export` wrote it (checked against its run id), else theirs: model =
    train_config.model_id, method = experiment name, the file's hash in the settings (so the
    run id, whose digest is of the config as for our runs, names these bytes)."""
    ours = obj_at(run_info, PEFTBENCH_KEY)
    if isinstance(ours.get("settings"), dict):
        return _our_config(ours)
    train_config = obj_at(run_info, "train_config")  # an object: `load` checked
    model = _get(train_config, "model_id")
    method = _get(run_info, "experiment_name")
    seed = train_config.get("seed", 0)
    if not (isinstance(model, str) and model and isinstance(method, str) and method):
        raise NotAResult("'train_config.model_id' and 'experiment_name' should be names")
    if not _is_count(seed):
        raise NotAResult(f"'train_config.seed' should be a whole number, found {seed!r}")
    settings: JSONObject = {
        # their full fine-tuning (no peft_config) is a reference like our `full`, not a method
        "imported": {
            "format": FORMAT,
            "sha256": sha256,
            "baseline": not run_info.get("peft_config"),
        },
        "hf_peft": {
            "experiment_name": method,
            "train_config": train_config,
            "peft_config": run_info.get("peft_config"),
        },
    }
    cell = {"model": model, "method": method, "dataset": DATASET, "seed": seed, **settings}
    run_id = f"{id_part(model)}__{DATASET}__{id_part(method)}__s{seed}__{run_digest(cell)}"
    return RunConfig(run_id, model, method, DATASET, seed, settings)


def _our_config(ours: JSONObject) -> RunConfig:
    """A record of ours exported earlier: the same cell, or NotAResult when the block does not
    hash to its run id (edited after the export)."""
    settings = obj_at(ours, "settings")  # an object: `run_config` checked
    try:
        config = RunConfig.from_json({**settings, **_identity(ours)})
    except (RecordDamage, KeyError, TypeError) as exc:
        raise NotAResult(f"run_info.{PEFTBENCH_KEY} is not a peftbench cell ({exc})") from None
    if not config.run_id.endswith("__" + run_digest(config.to_json())):
        raise NotAResult(
            f"run_info.{PEFTBENCH_KEY} does not hash to its run id {config.run_id!r} "
            "(edited after `peftbench export`)"
        )
    return config


def _identity(ours: JSONObject) -> JSONObject:
    return {k: ours[k] for k in ("run_id", "model", "method", "dataset", "seed")}


def _is_count(value: object) -> TypeGuard[int]:
    """A whole number >= 0 (JSON's true and false are not counts)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _metric_rows(train_info: JSONObject) -> list[JSONObject]:
    """The objects in train_info.metrics (their per-eval-step metrics); none when it is no list."""
    rows = train_info.get("metrics")
    return [m for m in rows if isinstance(m, dict)] if isinstance(rows, list) else []


def _test_entry(train_info: JSONObject) -> JSONObject:
    rows = _metric_rows(train_info)
    final = [m for m in rows if "test accuracy" in m]
    if not final:
        raise NotAResult("no 'test accuracy' in train_info.metrics")
    return final[-1]


def _correct(accuracy: JSONValue, n: int) -> int:
    """Items right: accuracy x n must be a whole number (else n is not the set it was over)."""
    if not is_number(accuracy) or not 0 <= accuracy <= 1:
        raise NotAResult(f"'test accuracy' should be a fraction in [0, 1], found {accuracy!r}")
    k = accuracy * n
    if abs(k - round(k)) > 1e-6:
        raise NotAResult(f"test accuracy {accuracy!r} is not a count out of {n} test items")
    return round(k)


def _metrics(train_info: JSONObject, run_info: JSONObject) -> Metrics:
    """Accuracy as k of n items right (their files), or the score of another metric of ours
    (`export` names it, and says whether its items were right/wrong: `correct`)."""
    test = _test_entry(train_info)
    ours = obj_at(run_info, PEFTBENCH_KEY)
    n = test.get(TEST_SAMPLES, GSM8K_TEST)
    if not (isinstance(n, int) and not isinstance(n, bool) and n >= 1):
        raise NotAResult(f"'{TEST_SAMPLES}' should be a count of test items, found {n!r}")
    accuracy = test["test accuracy"]
    metric = ours.get("metric", METRIC)
    if not isinstance(metric, str):
        raise NotAResult(f"'run_info.{PEFTBENCH_KEY}.metric' should be a name, found {metric!r}")
    values: JSONObject = {"metric": metric, "eval_examples": n}
    if metric == METRIC or "correct" in ours:
        k = _correct(accuracy, n)
        if "correct" in ours and ours["correct"] != k:
            raise NotAResult(f"'test accuracy' {accuracy!r} is not {ours['correct']!r} of {n}")
        values.update(score=100.0 * k / n, correct=k, item_set=ours.get("item_set", ITEM_SET))
    elif is_number(accuracy):
        values["score"] = 100.0 * accuracy
    else:
        raise NotAResult(f"'test accuracy' should be a number, found {accuracy!r}")
    values[metric] = values["score"]
    for theirs, key in (("forgetting", "forgetting"), ("train loss", "final_train_loss")):
        figure = test.get(theirs)
        if is_number(figure):
            values[key] = float(figure)
    return Metrics.from_json(values)


def _efficiency(train_info: JSONObject, meta: JSONObject) -> Efficiency:
    """Parameters, memory, time and size; latency listed as not measured, FLOPs absent."""
    trainable = _get(train_info, "num_trainable_params")
    total = _get(train_info, "num_total_params")
    if not (_is_count(trainable) and _is_count(total)):
        raise NotAResult("'num_trainable_params' and 'num_total_params' should be counts")
    base = total if trainable >= total else total - trainable
    memory = _get(train_info, "accelerator_memory_max")
    if not is_number(memory) or memory < 0:
        raise NotAResult(f"'accelerator_memory_max' should be bytes, found {memory!r}")
    accelerator = obj_at(meta, "system_info").get("accelerator")
    eff: JSONObject = {
        "trainable_params": trainable,
        "total_params": total,
        "base_params": base,
        "trainable_pct": 100.0 * trainable / base if base else 0.0,
        "peak_train_mem_mb": memory / 2**20,
        "memory_kind": "accelerator max reserved during the run (hf-peft)",
        "train_seconds": train_info.get("train_time"),  # null: a method that does not train
        "adapter_bytes": train_info.get("file_size"),
        "not_measured": list(MAY_BE_UNMEASURED),
        "device": "cuda" if isinstance(accelerator, str) and accelerator else None,
        "device_name": accelerator if isinstance(accelerator, str) else None,
    }
    tokens = _test_entry(train_info).get("train total tokens")
    if isinstance(tokens, int) and not isinstance(tokens, bool):
        eff["train_tokens"] = tokens
    for key in ("accelerator_memory_reserved_avg", "accelerator_memory_reserved_99th"):
        reserved = train_info.get(key)
        if is_number(reserved):
            eff[key.replace("accelerator_memory", "memory") + "_mb"] = reserved / 2**20
    return Efficiency.from_json({k: v for k, v in eff.items() if v is not None})


def _provenance(
    path: Path, blob: bytes, config: RunConfig, meta: JSONObject, run_info: JSONObject
) -> Provenance:
    """Where the figures came from (the file and its hash) and what they ran on."""
    packages, model_info = obj_at(meta, "package_info"), obj_at(meta, "model_info")
    system = obj_at(meta, "system_info")
    return Provenance.from_json(  # the environment's keys at the top level, as on disk
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
                if k.endswith("-version") and isinstance(v, str)
            },
            "model": {"name": config.model, **model_info},
            "dataset": {"name": config.dataset, "hub": meta.get("dataset_info")},
            "os": system.get("system"),
            "machine": system.get("machine"),
            "cpu": system.get("processor"),
            "hf_peft_meta_info": meta,
        }
    )


def _epoch(text: JSONValue) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None
