"""`peftbench` end to end through the real command line, on the tiny built-in smoke suite.

The suite trains every spine method on a tiny random Llama-style model with two toy tasks. The
test checks the records, the leaderboard, that a second invocation skips every run, and that
every trained method's generations differ from the frozen base model's on the same prompts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_util import peftbench

TRAINED = ["lora", "ia3", "prompt_tuning", "prefix_tuning", "adapter", "bitfit"]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("smoke")
    proc = peftbench("run", "smoke", "--out", str(out), "--no-progress", cwd=out)
    return out, proc


def outputs(run_dir: Path) -> list[str]:
    lines = (run_dir / "predictions.jsonl").read_text().splitlines()
    return [json.loads(line)["output"] for line in lines]


def test_run_writes_records_and_leaderboard(
    smoke: tuple[Path, subprocess.CompletedProcess],
) -> None:
    out, proc = smoke
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = sorted((out / "runs").iterdir())
    assert len(runs) == 14
    for run in runs:
        status = json.loads((run / "status.json").read_text())
        assert status["status"] == "ok", status
        for name in (
            "config.json",
            "metrics.json",
            "efficiency.json",
            "provenance.json",
            "predictions.jsonl",
            "train_log.jsonl",
        ):
            assert (run / name).is_file(), f"{run.name} lacks {name}"
    assert "| method" in proc.stdout and "pscp_paper" in proc.stdout
    for method in ["frozen", *TRAINED]:
        assert f"| {method}" in proc.stdout
    board = json.loads((out / "leaderboard.json").read_text())
    pscps = [row["pscp"] for row in board["rows"] if not row["baseline"]]
    assert pscps == sorted(pscps, reverse=True)
    # baselines are references: listed last, without PSCP
    assert [row["method"] for row in board["rows"] if row["baseline"]] == ["frozen"]
    assert board["rows"][-1]["method"] == "frozen" and board["rows"][-1]["pscp"] is None


def test_trained_methods_change_generations(
    smoke: tuple[Path, subprocess.CompletedProcess],
) -> None:
    out, _ = smoke
    for dataset in ("toy-sentiment", "toy-addition"):
        base = outputs(next((out / "runs").glob(f"*__{dataset}__frozen__*")))
        for method in TRAINED:
            got = outputs(next((out / "runs").glob(f"*__{dataset}__{method}__*")))
            assert got != base, f"{method} on {dataset} generated exactly the base model's text"


def test_records_hold_the_measurements(smoke: tuple[Path, subprocess.CompletedProcess]) -> None:
    out, _ = smoke
    run = next((out / "runs").glob("*__toy-addition__lora__*"))
    eff = json.loads((run / "efficiency.json").read_text())
    assert 0 < eff["trainable_params"] < eff["total_params"]
    assert eff["adapter_params"] == eff["trainable_params"]
    assert eff["adapter_bytes"] > 0
    assert eff["latency_ms_per_token"] > 0 and eff["base_latency_ms_per_token"] > 0
    assert eff["peak_train_mem_mb"] > 0 and "RSS" in eff["memory_kind"]
    assert eff["flops"] > eff["base_flops"] > 0
    prov = json.loads((run / "provenance.json").read_text())
    assert prov["packages"]["torch"] and prov["dataset"]["eval_fingerprint"]
    log = [json.loads(x) for x in (run / "train_log.jsonl").read_text().splitlines()]
    assert any("loss" in entry for entry in log)


def test_second_invocation_skips_everything(
    smoke: tuple[Path, subprocess.CompletedProcess],
) -> None:
    out, _ = smoke
    before = {p.name: p.stat().st_mtime for p in (out / "runs").iterdir()}
    proc = peftbench("run", "smoke", "--out", str(out), "--no-progress", cwd=out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "14 of 14 runs already complete" in proc.stdout
    # nothing trained or rewritten (no wall-clock bound: a loaded machine is slow, not wrong)
    assert {p.name: p.stat().st_mtime for p in (out / "runs").iterdir()} == before


def test_show_prints_leaderboard_and_one_run(
    smoke: tuple[Path, subprocess.CompletedProcess],
) -> None:
    out, _ = smoke
    board = peftbench("show", str(out), cwd=out)
    assert board.returncode == 0 and "| lora" in board.stdout
    run = next((out / "runs").glob("*__toy-sentiment__lora__*"))
    one = peftbench("show", str(run), cwd=out)
    assert one.returncode == 0 and "latency" in one.stdout and "score" in one.stdout


def test_dry_run_lists_and_runs_nothing(tmp_path: Path) -> None:
    proc = peftbench("run", "smoke", "--out", str(tmp_path / "r"), "--dry-run", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.count("pending") == 14
    assert not (tmp_path / "r").exists()


def test_a_path_the_terminal_cannot_encode_is_printed_escaped(tmp_path: Path) -> None:
    """Under an ASCII-only stdout (PYTHONIOENCODING=ascii), an --out with 'é' in it printed a
    UnicodeEncodeError traceback (issue 26, attacker's second pass)."""
    out = tmp_path / "r\u00e9sultats"
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    proc = subprocess.run(
        [sys.executable, "-m", "peftbench", "run", "smoke", "--out", str(out), "--dry-run"],
        capture_output=True,
        text=True,
        errors="replace",
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "r\\xe9sultats" in proc.stdout


def test_bad_input_exits_2_without_traceback(tmp_path: Path) -> None:
    proc = peftbench(
        "run", "smoke", "--set", "methods=[lora, loar]", "--out", str(tmp_path / "r"), cwd=tmp_path
    )
    assert proc.returncode == 2
    assert "unknown method 'loar'" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "r").exists()


def test_help_does_not_import_torch(tmp_path: Path) -> None:
    code = (
        "import sys; from peftbench.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "from peftbench.listing import listing; listing('all')\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_a_failing_run_is_recorded_and_the_grid_goes_on(tmp_path: Path) -> None:
    out = tmp_path / "r"
    plugins = Path(__file__).parent / "data" / "plugins" / "failing"
    proc = peftbench(
        "--plugins",
        str(plugins),
        "run",
        "smoke",
        "--out",
        str(out),
        "--no-progress",
        "--set",
        "methods=[frozen, exploding]",  # passes every up-front check, fails inside its run
        "--set",
        "datasets=[toy-addition]",
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr  # some run failed
    failed = next((out / "runs").glob("*__exploding__*"))
    status = json.loads((failed / "status.json").read_text())
    assert (
        status["status"] == "failed"
        and "always fails while it is built" in status["error"]
        and status["traceback"]
    )
    ok = next((out / "runs").glob("*__frozen__*"))
    assert json.loads((ok / "status.json").read_text())["status"] == "ok"
    assert "FAILED" in proc.stdout


def test_every_run_records_stability_and_frozen_has_none_of_it(
    smoke: tuple[Path, subprocess.CompletedProcess],
) -> None:
    out, _ = smoke
    for run in (out / "runs").iterdir():
        stab = json.loads((run / "stability.json").read_text())
        other = "toy-sentiment" if "__toy-addition__" in run.name else "toy-addition"
        assert list(stab["retention"]["tasks"]) == [other]  # never the task it trained on
        assert stab["drift"]["tokens"] > 0
        if "__frozen__" in run.name:
            assert stab["drift"]["kl_mean"] == 0.0
            assert stab["drift"]["ppl"] == stab["drift"]["ppl_base"]
            assert stab["retention"]["delta"] == 0.0
        elif "__lora__" in run.name:
            assert stab["drift"]["kl_mean"] > 0.0
    assert len(list((out / "base").glob("*.json"))) == 2  # one base answer set per general task
