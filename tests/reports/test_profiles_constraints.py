"""`--profile` and the limits (`--max-train-mem`, `--max-slowdown`, `--min-score`) on show, report,
compare and run, through the one leaderboard builder, on real records.

The smoke results' lora and ia3 records get the figures of data/profile_scenario.json (equal
scores; lora fast but large and memory-hungry, ia3 tiny and lean but slow), so the profiles must
rank them differently, and nothing is re-run to do so.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from reports_util import METHODS, SEEDS, edit_json, peftbench, run_dirs

SCENARIO = json.loads((Path(__file__).parent / "data" / "profile_scenario.json").read_text())


@pytest.fixture()
def scenario(copy_results: Callable[[str], Path]) -> Path:
    root = copy_results("scenario")
    for method, figures in SCENARIO["methods"].items():
        for run in run_dirs(root, method=method):
            edit_json(run / "efficiency.json", lambda e, f=figures: _scenario_figures(e, f))
            edit_json(run / "metrics.json", lambda m: m.update(score=SCENARIO["score"]))
    return root


def _scenario_figures(eff: dict, figures: dict) -> None:
    """The scenario's figures replace the record's. Its slowdown is a recorded figure, not paired
    samples, so the paired samples go (the leaderboard then reads the recorded slowdown, as for
    records of the older latency protocol)."""
    eff.update(figures)
    eff.pop("latency_pairs", None)


def board(root: Path, *args: str) -> dict:
    proc = peftbench("report", str(root), "--format", "json", "--out", "-", *args, cwd=root)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["board"]


def order(b: dict) -> list[str]:
    return [r["method"] for r in b["rows"] if r["method"] != "frozen"]


def test_profiles_rerank_without_rerunning(scenario: Path) -> None:
    assert order(board(scenario, "--profile", "latency"))[0] == "lora"
    assert order(board(scenario, "--profile", "storage"))[0] == "ia3"
    assert order(board(scenario, "--profile", "memory"))[0] == "ia3"
    b = board(scenario, "--profile", "latency")
    assert b["profile"] == "latency" and b["scoring"]["pscp"]["b"] == 3.0
    tops = b["profiles"]["tiny-llama"]
    assert (tops["latency"]["pscp"], tops["latency"]["pscp_paper"]) == ("lora", "lora")
    assert (tops["storage"]["pscp"], tops["storage"]["pscp_paper"]) == ("ia3", "ia3")
    assert all(t["pscp"] != "frozen" for t in tops.values())  # baselines do not compete


def test_show_lists_only_methods_within_the_limits(scenario: Path) -> None:
    proc = peftbench(
        "show", str(scenario), "--max-train-mem", "8GB", "--min-score", "70", cwd=scenario
    )
    assert proc.returncode == 0, proc.stderr
    table = [line for line in proc.stdout.splitlines() if line.startswith("| tiny-llama")]
    assert [line.split("|")[2].strip() for line in table] == ["ia3"]  # lora 9000 MiB > 7629
    assert "outside the limits: tiny-llama lora: peak_train_mem_mb 9,000 MiB" in proc.stdout
    assert "frozen: score" in proc.stdout  # frozen's score is below 70
    slow = peftbench("show", str(scenario), "--max-slowdown", "5%", cwd=scenario)
    assert "outside the limits: tiny-llama ia3: slowdown_pct +30.0 %" in slow.stdout


def test_report_has_the_profiles_side_by_side_and_the_limits(scenario: Path) -> None:
    proc = peftbench(
        "report", str(scenario), "--format", "md", "--out", "-", "--max-slowdown", "5", cwd=scenario
    )
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "| model | form | balanced | latency | memory | storage |" in text
    assert "| tiny-llama | pscp (seed form) |" in text
    assert "Methods within your limits" in text and "no: slowdown_pct +30.0 %" in text
    html = peftbench("report", str(scenario), "--profile", "storage", cwd=scenario)
    assert html.returncode == 0, html.stderr
    page = (scenario / "report.html").read_text()
    assert "Top method under each PSCP profile" in page


def test_compare_under_a_profile(scenario: Path) -> None:
    proc = peftbench(
        "compare",
        str(scenario),
        str(scenario),
        "--metric",
        "pscp",
        "--profile",
        "storage",
        "--format",
        "json",
        cwd=scenario,
    )
    assert proc.returncode == 0, proc.stderr
    assert "PSCP weights: profile storage" in json.loads(proc.stdout)["notes"]


def test_run_with_a_profile_reranks_and_reruns_nothing(scenario: Path) -> None:
    sets = [f"seeds={json.dumps(SEEDS)}", f"methods=[{','.join(METHODS)}]", "training.max_steps=10"]
    args = [a for s in sets for a in ("--set", s)]
    proc = peftbench(
        "run",
        "smoke",
        "--out",
        str(scenario),
        "--profile",
        "storage",
        "--no-progress",
        *args,
        cwd=scenario,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "already complete" in proc.stdout and " ok " not in proc.stdout
    written = json.loads((scenario / "leaderboard.json").read_text())
    assert written["profile"] == "storage" and order(written)[0] == "ia3"


@pytest.mark.parametrize(
    "bad", [["--max-train-mem", "8"], ["--max-slowdown", "fast"], ["--min-score", "101"]]
)
def test_bad_limits_exit_2(scenario: Path, bad: list[str]) -> None:
    proc = peftbench("show", str(scenario), *bad, cwd=scenario)
    assert proc.returncode == 2 and bad[0] in proc.stderr
