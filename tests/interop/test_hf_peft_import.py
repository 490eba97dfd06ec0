"""`peftbench import hf-peft`: HF peft's real result files (tests/data/hf_peft, Apache-2.0, see
NOTICE.md there) become imported records that every reader ranks like our own."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest

from peftbench.cli import main
from peftbench.config.schema import ScoringSettings
from peftbench.interop.hf_peft import GSM8K_TEST
from peftbench.interop.hf_peft_io import import_hf_peft
from peftbench.reports import leaderboard
from peftbench.results.folder import read_folder

DATA = Path(__file__).resolve().parents[1] / "data" / "hf_peft"
FILES = sorted(DATA.glob("*.json"))


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
    assert len(report.imported) == len(FILES) and not report.skipped
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
        assert rec.ok and rec.source == "hf-peft"
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
    board = leaderboard.of_folder(read_folder(imported))
    rows = board["rows"]
    assert len(rows) == len(FILES)
    for row in rows:
        assert row["latency_ms_per_token"] is None and row["slowdown_pct"] is None
        assert row["extra_tflops"] is None
        assert row["pscp_left_out"] == ["L (latency)", "F (extra FLOPs)"]
        lo, hi = row["score_ci"]
        assert lo <= row["score"] <= hi and (hi > lo or row["score"] in (0.0, 100.0))
    assert [r["tie"] for r in rows].count("best") == 1  # one best, the rest tied or below
    assert any(r["tie"] is None for r in rows)  # prompt tuning (5.7 %) is clearly below
    best = max(rows, key=lambda r: r["score"])
    assert best["tie"] == "best"
    # PSCP without the L and F terms: S exp(-a P/Pmax - g M/Mmax), paper form without F
    w = ScoringSettings().pscp
    p_max = max(r["trainable_params"] for r in rows)
    m_max = max(r["peak_train_mem_mb"] for r in rows)
    for r in rows:
        seed = r["score"] * math.exp(
            -w.a * r["trainable_params"] / p_max - w.g * r["peak_train_mem_mb"] / m_max
        )
        assert r["pscp"] == pytest.approx(seed, rel=1e-12)
    text = leaderboard.render(board)
    assert "computed without L (latency), F (extra FLOPs)" in text
    assert "unpaired" in text


def test_show_prints_the_board_with_missing_latency_as_a_dash(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", str(imported)]) == 0
    out = capsys.readouterr().out
    header, _, first = out.splitlines()[:3]
    cells = [c.strip() for c in first.split("|")]
    names = [c.strip() for c in header.split("|")]
    assert cells[names.index("ms/tok")] == "-" and cells[names.index("slowdown %")] == "-"
    assert "lily/llama-3.2-3B-rank140-mlp-a2-b2-s8.0" in out


def test_show_one_imported_run(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = next((imported / "runs").iterdir())
    assert main(["show", str(run)]) == 0
    out = capsys.readouterr().out
    assert "latency - (not measured)" in out
    assert "95% CI [" in out and "over 1319 items" in out  # the count's bootstrap interval


def test_importing_again_keeps_what_is_there(imported: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    import_hf_peft(DATA, out)
    before = {p: p.stat().st_mtime_ns for p in (out / "runs").rglob("*.json")}
    report = import_hf_peft(DATA, out)
    assert not report.imported and len(report.kept) == len(FILES)
    assert before == {p: p.stat().st_mtime_ns for p in (out / "runs").rglob("*.json")}


def test_a_folder_without_their_files_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "other.json").write_text('{"hello": 1}')
    assert main(["import", "hf-peft", str(src), "--out", str(tmp_path / "o")]) == 2
    assert "no HF peft result file" in capsys.readouterr().err
    assert main(["import", "hf-peft", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2


def test_a_bad_file_among_good_ones_is_named_and_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(FILES[0], src)
    (src / "truncated.json").write_text(FILES[1].read_text()[:500])
    wrong = _raw(FILES[2])
    _test_entry(wrong)["test accuracy"] = 0.123456  # not a count out of 1319
    (src / "wrong.json").write_text(json.dumps(wrong))
    assert main(["import", "hf-peft", str(src), "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "imported 1 run(s)" in out
    assert "skipped truncated.json: not JSON" in out
    assert "skipped wrong.json: test accuracy 0.123456 is not a count out of 1319" in out


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
    board = leaderboard.of_folder(read_folder(tmp_path / "o"))
    assert not board["rows"] and board["failed"][0]["run_id"] == rec.run_id
