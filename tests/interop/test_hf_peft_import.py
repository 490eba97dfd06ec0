"""`peftbench import hf-peft`: HF peft's real result files (tests/data/hf_peft, Apache-2.0, see
NOTICE.md there) become imported records that every reader ranks like our own."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from peftbench.board.build import of_folder
from peftbench.board.serialise import to_json
from peftbench.cli import main
from peftbench.config.schema import ScoringSettings
from peftbench.interop.hf_peft import GSM8K_TEST
from peftbench.interop.hf_peft_io import import_hf_peft
from peftbench.reports.leaderboard import render
from peftbench.results.folder import read_folder

DATA = Path(__file__).resolve().parents[1] / "data" / "hf_peft"
FILES = sorted(DATA.glob("*.json"))
SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "leaderboard.schema.json"
MODEL = "meta-llama/Llama-3.2-3B"


def _raw(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _test_entry(raw: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = [m for m in raw["train_info"]["metrics"] if "test accuracy" in m][-1]
    return entry


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hf") / "results"
    report = import_hf_peft(DATA, out)
    assert len(report.imported) == len(FILES) and not report.kept
    return out


def test_there_are_at_least_ten_real_files() -> None:
    assert len(FILES) >= 10
    assert (DATA / "NOTICE.md").read_text().count("Apache License") == 1


def test_every_figure_they_have_is_in_the_record(imported: Path) -> None:
    folder = read_folder(imported)
    by_method = {r.method: r for r in folder.records}
    assert len(by_method) == len(FILES)
    for path in FILES:
        raw = _raw(path)
        info, test = raw["train_info"], _test_entry(raw)
        rec = by_method[raw["run_info"]["experiment_name"]]
        assert rec.ok and rec.source == "hf-peft", rec.damage
        assert rec.model == raw["run_info"]["train_config"]["model_id"]
        assert rec.metrics is not None and rec.metrics.eval_examples == GSM8K_TEST
        assert rec.metrics.values["correct"] == round(test["test accuracy"] * GSM8K_TEST)
        assert rec.score == pytest.approx(100 * test["test accuracy"], abs=1e-9)
        assert rec.metrics.values["forgetting"] == test["forgetting"]
        eff = rec.eff
        assert eff.trainable_params == info["num_trainable_params"]
        assert eff.total_params == info["num_total_params"]
        assert eff.peak_train_mem_mb == info["accelerator_memory_max"] / 2**20
        assert eff.adapter_bytes == info["file_size"]
        assert eff.train_seconds == info["train_time"]
        assert rec.status is not None and rec.status.wall_seconds == raw["run_info"]["total_time"]
        # never measured: missing, never zero
        assert eff.latency_ms_per_token is None and eff.slowdown_pct is None
        assert eff.extra_tflops is None and eff.flops is None
        prov = rec.provenance.data
        assert prov["packages"]["peft"] == raw["meta_info"]["package_info"]["peft-version"]
        assert prov["model"]["sha"] == raw["meta_info"]["model_info"]["sha"]
        assert prov["source"]["file"] == path.name


def test_the_board_ranks_them_with_intervals_and_names_the_left_out_terms(
    imported: Path,
) -> None:
    board = of_folder(read_folder(imported))
    assert len(board.rows) == len(FILES)
    assert board.pscp_left_out == {MODEL: ("latency_ms_per_token", "extra_tflops")}
    for row in board.rows:
        assert row.latency_ms_per_token is None and row.slowdown_pct is None
        assert row.extra_tflops is None and row.sources == ("hf-peft",)
        assert row.score_ci is not None
        lo, hi = row.score_ci
        assert lo <= row.score <= hi and hi > lo  # Wilson: never zero width, even at 0 of n
    (full,) = [r for r in board.rows if r.baseline]  # their full fine-tuning: a reference
    assert full.method.startswith("full-finetuning/") and full.pscp is None
    peft = [r for r in board.rows if not r.baseline]
    in_best = [r for r in peft if r.best_set.score]
    best = max(peft, key=lambda r: r.score)
    assert best in in_best and len(in_best) < len(peft)  # the best set: several, not all
    prompt = next(r for r in peft if r.method == "prompt_tuning/llama-3.2-3B-default")
    assert not prompt.best_set.score  # 5.7 %: clearly below
    assert prompt.score_rank is not None and prompt.score_rank[0] > 1
    assert sum(r.best_set.pscp for r in peft) >= 1
    assert all(r.pscp_rank is not None for r in peft)
    # PSCP without the L and F terms: S exp(-a P/Pmax - g M/Mmax), paper form without F
    w = ScoringSettings().pscp
    p_max = max(r.trainable_params for r in peft)
    m_max = max(r.peak_train_mem_mb for r in peft)
    for r in peft:
        seed = r.score * math.exp(
            -w.a * r.trainable_params / p_max - w.g * r.peak_train_mem_mb / m_max
        )
        assert r.pscp == pytest.approx(seed, rel=1e-12)
    text = render(board)
    assert "PSCP computed without L (latency) in pscp, F (extra FLOPs) in pscp_paper" in text
    assert "unpaired" in text


def test_the_imported_board_validates_against_the_published_schema(imported: Path) -> None:
    plain = json.loads(json.dumps(to_json(of_folder(read_folder(imported)))))
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    assert [e.message for e in validator.iter_errors(plain)] == []
    assert plain["rows"][0]["latency_ms_per_token"] is None  # null in the file, never 0


def test_show_prints_the_board_with_intervals_best_set_and_missing_latency(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", str(imported)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    names = [c.strip() for c in lines[0].split("|")]
    rows = [[c.strip() for c in line.split("|")] for line in lines[2:] if line.startswith("| meta")]
    assert len(rows) == len(FILES)
    for cells in rows:
        assert cells[names.index("ms/tok")] == "-" and cells[names.index("slowdown %")] == "-"
        assert cells[names.index("avg 95% CI")].startswith("[")
    best = [c for c in rows if c[names.index("avg")].endswith("*")]
    assert 1 <= len(best) < len(rows)  # the confidence set for the best: several may be best
    assert any("lily/llama-3.2-3B-rank140-mlp-a2-b2-s8.0" in c for c in best)
    assert any(c[names.index("pscp")].endswith("*") for c in rows)
    assert "baselines (references, not ranked)" in out


def test_show_one_imported_run(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = next((imported / "runs").iterdir())
    assert main(["show", str(run)]) == 0
    out = capsys.readouterr().out
    assert "latency - (not measured)" in out
    assert "95% CI [" in out and "over 1319 items" in out


def test_importing_again_keeps_what_is_there(tmp_path: Path) -> None:
    out = tmp_path / "again"
    import_hf_peft(DATA, out)
    before = {p: p.stat().st_mtime_ns for p in (out / "runs").rglob("*.json")}
    report = import_hf_peft(DATA, out)
    assert not report.imported and len(report.kept) == len(FILES)
    assert before == {p: p.stat().st_mtime_ns for p in (out / "runs").rglob("*.json")}
    assert len(read_folder(out).ok) == len(FILES)


def test_a_second_folder_adds_to_the_first(tmp_path: Path) -> None:
    out = tmp_path / "o"
    for part in (FILES[:3], FILES[3:5]):
        src = tmp_path / f"src{len(part)}"
        src.mkdir()
        for f in part:
            shutil.copy(f, src)
        import_hf_peft(src, out)
    assert len(read_folder(out).ok) == 5  # the first import's runs are not left out


def test_default_out_is_results_hf_peft(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(FILES[0], src)
    monkeypatch.chdir(tmp_path)
    assert main(["import", "hf-peft", str(src)]) == 0
    assert len(read_folder(tmp_path / "results" / "hf-peft").ok) == 1
    assert "imported 1 run(s)" in capsys.readouterr().out


def test_a_failed_run_of_theirs_is_a_failed_record(tmp_path: Path) -> None:
    raw = _raw(FILES[0])
    raw["train_info"]["status"] = "canceled"
    raw["run_info"]["error_msg"] = "manually canceled"
    src = tmp_path / "src"
    src.mkdir()
    (src / "c.json").write_text(json.dumps(raw))
    import_hf_peft(src, tmp_path / "o")
    (rec,) = read_folder(tmp_path / "o").records
    assert rec.state == "failed" and "manually canceled" in (rec.error or "")
    board = of_folder(read_folder(tmp_path / "o"))
    assert not board.rows and board.failed[0].run_id == rec.run_id
