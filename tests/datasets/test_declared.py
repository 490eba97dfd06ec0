"""Datasets declared in YAML (no Python): run end to end, split, pinned, and validated up front.

The declarations and their data are files beside this test (`declared/`): `mood` (classification
with labels stored as 0/1, CSV train + eval), `sums` (numeric answer, JSONL, declared in a separate
file), `colours` (multiple choice from one file, divided into train and eval automatically, one
few-shot example). Bad declarations are made from the good suite with `--set` overrides.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from peftbench.datasets import DATASETS, LoadContext
from peftbench.errors import UserError
from peftbench.suite import expand, load_suite

HERE = Path(__file__).parent / "declared"
SUITE = HERE / "suite.yaml"


def peftbench(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "peftbench", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def records(out: Path, dataset: str) -> tuple[dict, list[dict], dict]:
    (run,) = (out / "runs").glob(f"*__{dataset}__*")
    status = json.loads((run / "status.json").read_text())
    assert status["status"] == "ok", status
    preds = [json.loads(line) for line in (run / "predictions.jsonl").read_text().splitlines()]
    prov = json.loads((run / "provenance.json").read_text())
    return json.loads((run / "metrics.json").read_text()), preds, prov


@pytest.fixture(scope="module")
def declared_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three declared datasets trained (LoRA) and scored on the tiny model, via the CLI."""
    out = tmp_path_factory.mktemp("declared")
    sets = ["methods=[lora]", "training.max_steps=4"]
    args = [a for s in sets for a in ("--set", s)]
    proc = peftbench("run", str(SUITE), "--out", str(out), "--no-progress", *args, cwd=out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def test_classification_from_files_runs_end_to_end(declared_run: Path) -> None:
    metrics, preds, prov = records(declared_run, "mood")
    with open(HERE / "data" / "mood_eval.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    want = sorted(("Mood of: " + r["text"], {"0": "neg", "1": "pos"}[r["label"]]) for r in rows)
    assert sorted((p["prompt"], p["gold"]) for p in preds) == want  # label_words applied
    assert metrics["metric"] == "accuracy" and "f1_macro" in metrics  # declared, headline first
    hits = sum(p["parsed"] == p["gold"] for p in preds)
    assert metrics["score"] == pytest.approx(100 * hits / len(preds))
    assert prov["dataset"]["version"].startswith("declared-")


def test_numeric_answer_from_files_runs_end_to_end(declared_run: Path) -> None:
    metrics, preds, _ = records(declared_run, "sums")
    rows = [
        json.loads(line) for line in (HERE / "data" / "sums_eval.jsonl").read_text().splitlines()
    ]
    assert len(preds) == len(rows)
    for p in preds:  # the gold is the sum of the two numbers in the prompt
        a, b = p["prompt"].rstrip("=").split("+")
        assert float(p["gold"]) == int(a) + int(b)
    assert metrics["metric"] == "numeric_accuracy"


def test_single_file_is_split_with_the_declared_seed(declared_run: Path) -> None:
    _, preds, prov = records(declared_run, "colours")
    assert len(preds) == 12  # eval_size: 12
    assert "seed 7" in prov["dataset"]["version"]
    assert prov["dataset"]["train_examples"] == 32  # max_train_examples
    for p in preds:  # one few-shot example, then the lettered options; gold is the colour
        shot, question = p["prompt"].split("\n\n")
        options = dict(line.split(". ", 1) for line in question.splitlines()[1:-1])
        assert options[p["gold"]] in {"red", "blue", "green", "pink", "gray", "teal"}
        assert shot.splitlines()[-1] in "ABC"


def registered(overrides: list[str] | None = None) -> dict:
    suite = load_suite(str(SUITE), overrides or [])
    return {spec.dataset: spec for spec in expand(suite)}


def test_automatic_split_is_disjoint_deterministic_and_seeded() -> None:
    registered()
    ctx = LoadContext(cache_dir=Path("."))
    colours = DATASETS.get("colours")
    train, evals = colours.load("train", ctx), colours.load("eval", ctx)
    question = [e.prompt.split("\n\n")[-1] for e in evals]
    assert not set(question) & {e.prompt.split("\n\n")[-1] for e in train}
    assert len(train) + len(evals) + 1 == 60  # every row once; one is the few-shot example
    assert [e.id for e in colours.load("eval", ctx)] == [e.id for e in evals]
    registered(["dataset_defs.colours.source.split_seed=8"])
    other = DATASETS.get("colours").load("eval", ctx)
    assert {e.id for e in other} != {e.id for e in evals}


def test_run_ids_follow_contents_not_paths(tmp_path: Path) -> None:
    import shutil

    before = registered()["mood"].run_id
    copy = tmp_path / "moved"
    shutil.copytree(HERE, copy)
    moved = {s.dataset: s for s in expand(load_suite(str(copy / "suite.yaml")))}
    assert moved["mood"].run_id == before  # same contents elsewhere: same runs
    with open(copy / "data" / "mood_eval.csv", "a") as fh:
        fh.write("good fine,1\n")
    changed = {s.dataset: s for s in expand(load_suite(str(copy / "suite.yaml")))}
    assert changed["mood"].run_id != before  # the data changed: new runs
    assert changed["sums"].run_id == moved["sums"].run_id


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("dataset_defs.mood.promt=x", "did you mean 'prompt'"),
        ("dataset_defs.mood.prompt=Mood: {{ txt }}", "'txt'.*Fields in the data: label, text"),
        ("dataset_defs.mood.answer.field=lable", "'lable'.*Fields in the data: label, text"),
        ("dataset_defs.mood.answer.kind=clasification", "did you mean 'classification'"),
        ("dataset_defs.mood.metrics=[acuracy]", "did you mean 'accuracy'"),
        ("dataset_defs.mood.answer.labels=[negative, positive]", "'neg'.*not one of"),
        ("dataset_defs.mood.source.file=x.jsonl", "exactly one of train"),
        ("dataset_defs.mood.source.eval=missing.csv", "does not exist"),
        ("dataset_defs.mood.prompt='Mood: {text}'", "double braces"),
        ("dataset_defs.mood.prompt={{ text.__class__.__mro__ }}", "could not be rendered"),
        ("dataset_defs.colours.answer.field=answr", "'answr'.*answer, choices, question"),
        ("dataset_defs.colours.answer.options=opts", "'opts'.*answer, choices, question"),
        ("dataset_defs.colours.few_shot=100", "few-shot"),
    ],
)
def test_bad_declarations_fail_up_front(override: str, expected: str) -> None:
    with pytest.raises(UserError, match=expected):
        load_suite(str(SUITE), [override])


def test_bad_declaration_exits_2_naming_the_field(tmp_path: Path) -> None:
    proc = peftbench(
        "run", str(SUITE), "--dry-run", "--set", "dataset_defs.mood.prompt={{ txt }}", cwd=tmp_path
    )
    assert proc.returncode == 2
    assert "'txt'" in proc.stderr and "label, text" in proc.stderr


def test_ls_marks_declared_datasets(tmp_path: Path) -> None:
    proc = peftbench("ls", "datasets", "--tasks", str(HERE / "tasks"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("sums"))
    assert "*" in line and "declared" in line
    assert not any(ln.startswith("sarcasm *") for ln in proc.stdout.splitlines())


def test_a_declared_name_cannot_shadow_a_built_in_one(tmp_path: Path) -> None:
    (tmp_path / "sarcasm.yaml").write_text((HERE / "tasks" / "sums.yaml").read_text())
    with pytest.raises(UserError, match="built-in"):
        load_suite("smoke", tasks=[tmp_path])


def test_a_run_carries_every_declared_dataset_it_uses() -> None:
    """A run's worker knows declared datasets only through its RunSpec: its own, and the other
    datasets it is scored on for retention (stability tasks)."""
    specs = registered(["stability.max_examples=10"])
    assert set(specs["mood"].dataset_defs) == {"mood", "sums", "colours"}
    alone = registered()  # no retention tasks: only its own
    assert set(alone["mood"].dataset_defs) == {"mood"}


def test_system_prompt_is_a_template_rendered_per_row() -> None:
    """`system_prompt: "{{ input[0]['content'] }}"` on chat-format rows sends each row's own
    system message, never the template's braces."""
    from peftbench.datasets.prompt import prompt_ids
    from peftbench.models.tiny import char_tokenizer

    load_suite(str(HERE / "chat" / "suite.yaml"))
    spec = DATASETS.get("chat")
    rows = [json.loads(line) for line in (HERE / "chat" / "chat.jsonl").read_text().splitlines()]
    system_of = {r["input"][1]["content"]: r["input"][0]["content"] for r in rows}
    tok = char_tokenizer()
    examples = spec.load("eval", LoadContext(cache_dir=Path("."))) + spec.load(
        "train", LoadContext(cache_dir=Path("."))
    )
    assert len(examples) == len(rows)
    for ex in examples:
        sent = tok.decode(prompt_ids(tok, spec, ex))
        assert ex.system == system_of[ex.prompt]
        assert f"system\n{system_of[ex.prompt]}" in sent and "{{" not in sent, sent
