"""Every kind of damage (tests/data/damage/kinds.yaml) x every reader: no crash, no hang, no
wrong row; `run` moves the damaged record aside and runs the cell again (issue 26).

The folder damaged is a real one of the tiny model (tests/data/damage/results). Readers are
called in-process through the CLI's `main`: `show`, `report` in every format, `compare` with the
damaged folder on either side. Each must exit 0 or 2 (`compare` also 1: a gate that fails) with
no traceback; a damaged run is named (its run id) and left out of every row, while every other
cell keeps its score.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from peftbench.cli import main
from peftbench.grid import set_aside_damaged
from peftbench.results.folder import read_folder
from peftbench.results.store import ResultsStore

DATA = Path(__file__).resolve().parents[1] / "data" / "damage"
RESULTS = DATA / "results"
KINDS: list[dict[str, Any]] = yaml.safe_load((DATA / "kinds.yaml").read_text(encoding="utf-8"))
FORMATS = ["md", "csv", "latex", "json", "html"]


def run_dir(root: Path, target: str) -> Path:
    """The run folder of `method/dataset` in a results folder."""
    method, dataset = target.split("/")
    (hit,) = [d for d in (root / "runs").iterdir() if f"__{dataset}__{method}__" in d.name]
    return hit


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    *path, last = dotted.split(".")
    for key in path:
        data = data[key]
    data[last] = value


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=2)  # NaN and inf as NaN, Infinity: what the damage is


def _target(text: str, root: Path) -> str:
    """`{run:method/dataset}` in an edit's argument: that run's folder in this copy."""
    if text.startswith("{run:"):
        inner, _, rest = text[len("{run:") :].partition("}")
        return str(run_dir(root, inner)) + rest
    return text


def _long(text: str) -> str:
    """`{zeros:N}` (N zeros: 10**400 as JSON) and `{deep:N}` (a list nested N levels) in a raw
    edit: values too long to write in kinds.yaml."""
    for name, make in (("zeros", lambda n: "0" * n), ("deep", lambda n: "[" * n + "]" * n)):
        while "{" + name + ":" in text:
            head, _, rest = text.partition("{" + name + ":")
            count, _, tail = rest.partition("}")
            text = head + make(int(count)) + tail
    return text


def apply(kind: dict[str, Any], root: Path) -> Path:
    """Apply one kind of damage to the results folder `root`; returns the damaged path."""
    base = run_dir(root, kind["target"]) if "target" in kind else root
    path = base / kind["file"] if kind["file"] != "." else base
    ((op, arg),) = kind["edit"].items()
    if op == "set":
        data = json.loads(path.read_text())
        for key, value in arg.items():
            _set(data, key, value)
        path.write_text(_dumps(data))
    elif op == "raw":
        text = path.read_text()
        for old, new in arg.items():
            assert old in text, (kind["name"], old)
            text = text.replace(old, _long(new), 1)
        path.write_text(text)
    elif op == "jsonl_set":
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        for row in rows:
            for key, value in arg.items():
                _set(row, key, value)
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    elif op == "truncate":
        raw = path.read_bytes()
        path.write_bytes(raw[: int(len(raw) * arg)])
    elif op == "delete":
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    elif op in ("symlink", "fifo", "mkdir", "write"):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif os.path.lexists(path):
            path.unlink()
        if op == "symlink":
            path.symlink_to(_target(arg, root))
        elif op == "fifo":
            os.mkfifo(path)
        elif op == "mkdir":
            path.mkdir()
        else:
            path.write_text(arg)
    else:
        raise AssertionError(f"unknown edit {op!r} in kinds.yaml")
    if kind.get("forget_hashes"):
        status = base / "status.json"
        data = json.loads(status.read_text())
        data.pop("files", None)
        status.write_text(_dumps(data))
    return base


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out + out.err


def _scores(report_json: str) -> dict[tuple[str, str], float | None]:
    rows = json.loads(report_json)["board"]["rows"]
    return {(r["method"], d): s for r in rows for d, s in r["scores"].items()}


@pytest.fixture(scope="module")
def clean_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    clean = tmp_path_factory.mktemp("clean") / "results"
    shutil.copytree(RESULTS, clean, symlinks=True)
    code = main(["report", str(clean), "--format", "json", "--out", str(clean / "r.json")])
    assert code == 0 and read_folder(clean).damaged == []  # the clean copy reads whole
    return (clean / "r.json").read_text()


def _check_report(
    kind: dict[str, Any], damaged: Path, run_id: str | None, clean_report: str, out: str
) -> None:
    board = json.loads(out)["board"]
    before, after = _scores(clean_report), _scores(out)
    if kind.get("expect", "run") == "run":
        assert [d["run_id"] for d in board["damaged"]] == [run_id]
        method, dataset = kind["target"].split("/")
        assert after.get((method, dataset)) is None  # left out of every row
        before.pop((method, dataset))
        assert {k: v for k, v in after.items() if k != (method, dataset)} == before
    else:
        assert board["damaged"] == [] and after == before
    if kind.get("expect") == "no_items":  # the cell's score stays; no interval stands on it
        method, dataset = kind["target"].split("/")
        (row,) = [r for r in board["rows"] if r["method"] == method]
        assert row["scores_ci"][dataset] is None
        assert row["score_ci"] is None and row["vs_reference"] is None
    if kind.get("expect") == "suite":
        assert [d["file"] for d in board["damaged_files"]] == ["suite.json"]
        assert kind["reason"] in board["damaged_files"][0]["reason"]


@pytest.mark.parametrize("kind", KINDS, ids=[k["name"] for k in KINDS])
def test_every_reader_survives_the_damage_and_names_it(
    kind: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path, clean_report: str
) -> None:
    clean, damaged = tmp_path / "clean", tmp_path / "damaged"
    shutil.copytree(RESULTS, clean, symlinks=True)
    shutil.copytree(RESULTS, damaged, symlinks=True)
    base = apply(kind, damaged)
    expect = kind.get("expect", "run")
    run_id = base.name if expect == "run" else None

    code, out = cli(capsys, "show", str(damaged))
    if expect == "not_results":
        assert code == 2 and "results folder" in out
    else:
        assert code == 0, out
        if run_id:
            assert run_id in out and "DAMAGED" in out and kind["reason"] in out, out
    for fmt in FORMATS:
        code, out = cli(
            capsys, "report", str(damaged), "--format", fmt, "--out", str(tmp_path / f"r.{fmt}")
        )
        assert code == (2 if expect == "not_results" else 0), out
    if expect != "not_results":
        text = (tmp_path / "r.json").read_text()
        _check_report(kind, damaged, run_id, clean_report, text)
        if run_id:
            assert run_id in (tmp_path / "r.md").read_text()
    for new, old in ((damaged, clean), (clean, damaged)):
        code, out = cli(capsys, "compare", str(new), str(old))
        assert code in (0, 1, 2), out
        if run_id:
            assert "DAMAGED" in out and run_id in out, out


@pytest.mark.parametrize(
    "kind",
    [k for k in KINDS if k.get("expect", "run") == "run"],
    ids=[k["name"] for k in KINDS if k.get("expect", "run") == "run"],
)
def test_run_sets_every_damaged_record_aside(kind: dict[str, Any], tmp_path: Path) -> None:
    """What `run` does before running: the damaged record moves to damaged/ (kept, never
    deleted) and its cell is pending again; the other records stay complete."""
    root = tmp_path / "results"
    shutil.copytree(RESULTS, root, symlinks=True)
    base = apply(kind, root)
    store = ResultsStore(root)
    run_ids = sorted(d.name for d in (root / "runs").iterdir())
    pending = [r for r in run_ids if not store.is_complete(r)]
    assert pending == [base.name]
    set_aside_damaged(store, pending)
    assert not os.path.lexists(base)
    (aside,) = (root / "damaged").iterdir()
    assert aside.name.startswith(base.name)
    assert not store.is_complete(base.name)
    assert [r for r in run_ids if r != base.name and not store.is_complete(r)] == []


@pytest.mark.parametrize(
    "name, message",
    [("lock-is-a-folder", ".lock is a folder"), ("runs-replaced-by-a-file", "runs is")],
)
def test_run_on_a_folder_it_cannot_repair_says_why(
    name: str, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = tmp_path / "results"
    shutil.copytree(RESULTS, root, symlinks=True)
    (kind,) = [k for k in KINDS if k["name"] == name]
    apply(kind, root)
    code = main(["run", "smoke", "--out", str(root), *RUN])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


REPAIRED = [  # one kind per run, so one `run` repairs all four
    "run-folder-linked-to-another-run",  # frozen/toy-sentiment
    "adapter-truncated",  # lora/toy-sentiment
    "config-setting-edited",  # lora/toy-addition
    "latency-nan",  # frozen/toy-addition
]
RUN = ["--set", "methods=[frozen,lora]", "--backend", "inline", "--no-progress"]


@pytest.mark.slow
def test_run_reruns_every_damaged_cell_and_ignores_a_poisoned_latency_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real re-run (a folder made by this peftbench, so its run ids are today's)."""
    root = tmp_path / "results"
    assert main(["run", "smoke", "--out", str(root), *RUN]) == 0
    first = {r.run_id: r.score for r in read_folder(root).ok}
    kinds = {k["name"]: k for k in KINDS}
    damaged = {apply(kinds[name], root).name for name in REPAIRED}
    assert len(damaged) == 4
    for cached in (root / "latency").glob("*.json"):  # every cached sample 1e-9 ms
        data = json.loads(cached.read_text())
        for timed in data["paired_run"]["samples"].values():
            timed["decode"] = [1e-9] * len(timed["decode"])
        cached.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["run", "smoke", "--out", str(root), *RUN]) == 0
    out = capsys.readouterr().out
    assert "not reused" in out and out.count("damaged record") == 4
    rf = read_folder(root)
    assert rf.damaged == [] and {r.run_id: r.score for r in rf.ok} == first
    assert len(list((root / "damaged").iterdir())) == 4
    for record in rf.ok:
        assert record.eff.latency_ms_per_token > 1e-3
        for key, value in record.eff.measured.to_json().items():
            if key.endswith("_samples_ms"):
                assert min(value) > 1e-3, key
