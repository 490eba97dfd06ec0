"""Bad input to `peftbench import hf-peft` and `peftbench export`: exit 2 with the reason, never
a traceback, nothing written, nothing already in --out overwritten."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from peftbench.cli import main
from peftbench.results.folder import read_folder

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = sorted((DATA / "hf_peft").glob("*.json"))
OURS = DATA / "records" / "v1"


def _import(src: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["import", "hf-peft", str(src), "--out", str(out)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out + captured.err


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(FILES[0], src)
    for name, text in files.items():
        (src / name).write_text(text)
    return src


def _changed(edit: Any) -> str:
    raw = json.loads(FILES[1].read_text())
    edit(raw)
    return json.dumps(raw)


def _accuracy(raw: dict[str, Any], value: Any) -> None:
    [m for m in raw["train_info"]["metrics"] if "test accuracy" in m][-1]["test accuracy"] = value


BAD = {
    "truncated": (FILES[1].read_text()[:500], "not JSON"),
    "not an object": ("[1, 2]", "not a JSON object"),
    "another schema": ('{"hello": 1}', "no run_info, train_info, meta_info"),
    "not a count": (_changed(lambda r: _accuracy(r, 0.123456)), "not a count out of 1319"),
    "nan accuracy": (_changed(lambda r: _accuracy(r, float("nan"))), "fraction in [0, 1]"),
    "negative memory": (
        _changed(lambda r: r["train_info"].update(accelerator_memory_max=-5)),
        "accelerator_memory_max",
    ),
    "text params": (
        _changed(lambda r: r["train_info"].update(num_trainable_params="many")),
        "should be counts",
    ),
    "no test entry": (
        _changed(lambda r: r["train_info"].update(metrics=[])),
        "no 'test accuracy'",
    ),
    "metrics not a list": (  # was a TypeError traceback (iterating a number)
        _changed(lambda r: r["train_info"].update(metrics=7)),
        "no 'test accuracy'",
    ),
    "metric not a name": (  # was a TypeError traceback (a list as a dict key)
        _changed(lambda r: r["run_info"].update(peftbench={"metric": ["accuracy"]})),
        "should be a name",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_file_stops_the_import_before_anything_is_written(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, reason = BAD[case]
    src = _folder(tmp_path, {"bad.json": text})
    code, out = _import(src, tmp_path / "o", capsys)
    assert code == 2, out
    assert "bad.json" in out and reason in out and "nothing was imported" in out
    assert not (tmp_path / "o").exists()


def test_a_missing_or_empty_folder_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _import(tmp_path / "nope", tmp_path / "o", capsys)
    assert code == 2 and "does not exist" in out
    nested = tmp_path / "MetaMathQA" / "results"
    nested.mkdir(parents=True)
    shutil.copy(FILES[0], nested)
    code, out = _import(nested.parent, tmp_path / "o", capsys)
    assert code == 2 and "holds no *.json" in out and str(nested) in out  # did you mean
    assert not (tmp_path / "o").exists()


def test_the_source_folder_is_not_the_results_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _folder(tmp_path, {})
    code, out = _import(src, src, capsys)
    assert code == 2 and "is the folder of their result files" in out
    assert sorted(p.name for p in src.iterdir()) == [FILES[0].name]


def test_an_unknown_format_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["import", "wandb", str(tmp_path)])
    assert exit_.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_a_results_folder_of_our_runs_is_not_imported_into(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = Path(shutil.copytree(OURS, tmp_path / "ours"))
    before = {p: p.read_bytes() for p in ours.rglob("*") if p.is_file()}
    code, out = _import(FILES[0].parent, ours, capsys)
    assert code == 2 and "holds the results of suite" in out
    assert before == {p: p.read_bytes() for p in ours.rglob("*") if p.is_file()}


def test_an_edited_export_does_not_pass_for_our_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "--format", "hf-peft", str(OURS), "--out", str(tmp_path / "hf")]) == 0
    path = sorted((tmp_path / "hf").glob("*.json"))[0]
    raw = json.loads(path.read_text())
    raw["run_info"]["peftbench"]["settings"]["training"]["max_steps"] = 999_999
    path.write_text(json.dumps(raw))
    code, out = _import(tmp_path / "hf", tmp_path / "back", capsys)
    assert code == 2 and "does not hash to its run id" in out


def test_export_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "hf"
    args = ["export", "--format", "hf-peft", str(OURS), "--out", str(out)]
    assert main(args) == 0
    files = sorted(out.glob("*.json"))
    assert main(args) == 0  # the same content again: left as it is
    assert "already there with the same content" in capsys.readouterr().out
    files[0].write_text("mine")
    (files[1]).unlink()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "would change" in err and "nothing was written" in err and "Traceback" not in err
    assert files[0].read_text() == "mine" and not files[1].exists()


def test_export_of_a_folder_that_is_no_results_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["export", "--format", "hf-peft", str(tmp_path), "--out", str(tmp_path / "o")])
    assert code == 2 and "not a results folder" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


VALUES: list[dict[str, Any]] = yaml.safe_load(
    (DATA / "hf_peft_bad_values.yaml").read_text(encoding="utf-8")
)
TYPED = DATA / "hf_peft" / "fourierft--llama-3.2-3B-default.json"


def _put(raw: dict[str, Any], dotted: str, value: Any) -> None:
    if dotted == "test_accuracy":
        _accuracy(raw, value)
        return
    *path, last = dotted.split(".")
    node: Any = raw
    for key in path:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[last] = value


def _edited(entry: dict[str, Any]) -> str:
    raw = json.loads(TYPED.read_text())
    for dotted, value in (entry.get("set") or {}).items():
        _put(raw, dotted, value)
    for dotted, depth in (entry.get("deep") or {}).items():
        nested: Any = 1
        for _ in range(depth):
            nested = [nested]
        _put(raw, dotted, nested)
    return json.dumps(raw)  # NaN and inf as NaN, Infinity: what their json writes


@pytest.mark.parametrize("entry", VALUES, ids=[e["name"] for e in VALUES])
def test_a_value_of_the_wrong_type_or_size_is_named_or_imported_as_the_reader_reads_it(
    entry: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Never a traceback; a refused file is named with the key and value; an imported one reads
    back whole (never a record that every reader then shows as DAMAGED)."""
    src = _folder(tmp_path, {"bad.json": _edited(entry)})
    code, out = _import(src, tmp_path / "o", capsys)
    if "reason" in entry:
        assert code == 2, out
        assert "bad.json" in out and entry["reason"] in out and "nothing was imported" in out
        assert not (tmp_path / "o").exists()
        return
    assert code == 0, out
    folder = read_folder(tmp_path / "o")
    assert folder.damaged == [] and len(folder.failed) == 1, folder
