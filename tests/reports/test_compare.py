"""`peftbench compare` exit codes: better, worse, within tolerance, significance, new methods.

Real run records are copied and the task scores of one method set to chosen per-seed values, so
each case has a known answer; everything else in the records (costs, configs) stays real.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from reports_util import edit_json, peftbench, run_dirs, set_score

from peftbench.reports.compare import compare


def set_scores(root: Path, method: str, by_seed: dict[int, float]) -> None:
    """Every run of `method` gets the score of its seed (on every dataset)."""
    for d in run_dirs(root, method):
        seed = json.loads((d / "config.json").read_text())["seed"]
        set_score(d, by_seed[seed])


@pytest.fixture()
def baseline(copy_results) -> Path:
    root = copy_results("baseline")
    set_scores(root, "lora", {1: 40.0, 2: 44.0})
    return root


def cli_compare(new: Path, base: Path, *extra: str) -> tuple[int, str]:
    proc = peftbench("compare", str(new), str(base), *extra, cwd=new.parent)
    return proc.returncode, proc.stdout + proc.stderr


def lora_verdict(result: dict) -> str:
    pair = next(p for p in result["pairs"] if p["method"] == "lora")
    return pair["average"]["verdict"]


def test_identical_sets_pass(results: Path) -> None:
    code, out = cli_compare(results, results, "--metric", "pscp")
    assert code == 0, out
    assert "PASS" in out and "worse" not in out.lower()


def test_better_passes_and_worse_fails(copy_results, baseline: Path) -> None:
    better = copy_results("better")
    set_scores(better, "lora", {1: 60.0, 2: 64.0})
    worse = copy_results("worse")
    set_scores(worse, "lora", {1: 20.0, 2: 24.0})
    code, out = cli_compare(better, baseline)
    assert code == 0, out
    assert lora_verdict(compare(better, baseline)) == "better"
    code, out = cli_compare(worse, baseline)
    assert code == 1, out
    assert "FALLS SHORT: tiny-llama/lora" in out
    r = compare(worse, baseline)
    avg = next(p for p in r["pairs"] if p["method"] == "lora")["average"]
    assert avg["welch"]["diff"] == pytest.approx(-20.0)
    assert avg["welch"]["df"] == pytest.approx(2.0) and avg["significant"]
    for metric in ("pscp", "pscp_paper"):  # the same costs: PSCP follows the score
        assert cli_compare(better, baseline, "--metric", metric)[0] == 0
        assert cli_compare(worse, baseline, "--metric", metric)[0] == 1


def test_tolerance(copy_results, baseline: Path) -> None:
    slightly = copy_results("slightly-worse")
    set_scores(slightly, "lora", {1: 39.5, 2: 43.5})
    assert cli_compare(slightly, baseline)[0] == 1  # default tolerance 0
    code, out = cli_compare(slightly, baseline, "--tolerance", "1")
    assert code == 0, out
    assert lora_verdict(compare(slightly, baseline, tolerance=1.0)) == "within"


def test_require_significance(copy_results, baseline: Path) -> None:
    noisy = copy_results("noisy")  # mean 40 vs 42, but seeds 30 and 50: not significant
    set_scores(noisy, "lora", {1: 30.0, 2: 50.0})
    assert cli_compare(noisy, baseline)[0] == 1
    code, out = cli_compare(noisy, baseline, "--require-significance")
    assert code == 0, out
    assert "worse, not significant" in out
    clear = copy_results("clearly-worse")
    set_scores(clear, "lora", {1: 20.0, 2: 24.0})
    assert cli_compare(clear, baseline, "--require-significance")[0] == 1


def test_new_method_against_the_best_baseline(copy_results, baseline: Path) -> None:
    new = copy_results("new-method")
    for d in [*run_dirs(new, "frozen"), *run_dirs(new, "ia3")]:
        shutil.rmtree(d)
    old = copy_results("old-methods")
    for d in run_dirs(old, "lora"):
        shutil.rmtree(d)
    set_scores(new, "lora", {1: 70.0, 2: 72.0})
    set_scores(old, "ia3", {1: 50.0, 2: 52.0})
    set_scores(old, "frozen", {1: 10.0, 2: 10.0})
    r = compare(new, old)
    (pair,) = r["pairs"]
    assert (pair["baseline_method"], pair["paired_by"]) == ("ia3", "best baseline score")
    assert r["passed"]
    assert cli_compare(new, old, "--against", "frozen")[0] == 0
    set_scores(new, "lora", {1: 30.0, 2: 32.0})
    assert cli_compare(new, old)[0] == 1  # below ia3
    code, out = cli_compare(new, old, "--against", "ia4")
    assert code == 2 and "did you mean 'ia3'" in out


def test_failed_new_run_falls_short(copy_results, baseline: Path) -> None:
    broken = copy_results("broken")
    for d in run_dirs(broken, "lora", "toy-addition"):
        edit_json(d / "status.json", lambda s: s.update(status="failed", error="RuntimeError: x"))
    code, out = cli_compare(broken, baseline, "--gate", "each")
    assert code == 1, out
    assert "NO RESULT" in out and "FAILED new run" in out


def test_new_set_with_only_failed_runs_falls_short(copy_results, baseline: Path) -> None:
    broken = copy_results("all-failed")
    for d in run_dirs(broken):
        edit_json(d / "status.json", lambda s: s.update(status="failed", error="ValueError: nan"))
    code, out = cli_compare(broken, baseline)
    assert code == 1, out
    assert "no successful run" in out
