"""`peftbench report` on records made by the real pipeline: every format, the HTML's sections,
seed statistics against values computed by hand from the run records, failed/missing runs."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

from reports_util import edit_json, peftbench, run_dirs

from peftbench.reports.collect import collect
from peftbench.reports.html import SECTIONS

URL = re.compile(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)


def test_run_writes_the_html_report_and_prints_its_path(
    smoke_run: tuple[Path, subprocess.CompletedProcess],
) -> None:
    out, proc = smoke_run
    printed = re.search(r"^report: (.+report\.html)$", proc.stdout, re.MULTILINE)
    assert printed, proc.stdout[-1500:]
    assert Path(printed.group(1)).resolve() == (out / "report.html").resolve()
    assert (out / "report.html").stat().st_size > 10_000


def test_every_format_renders(results: Path, tmp_path: Path) -> None:
    for fmt in ("html", "md", "csv", "latex", "json"):
        proc = peftbench(
            "report",
            str(results),
            "--format",
            fmt,
            "--out",
            str(tmp_path / f"r-{fmt}"),
            cwd=tmp_path,
        )
        assert proc.returncode == 0, proc.stderr
    md = (tmp_path / "r-md").read_text()
    for title in ("Task scores and PSCP", "Efficiency", "Stability over seeds", "PSCP sensitivity"):
        assert f"### {title}" in md
    assert "| lora |" in md and "± " in md
    tex = (tmp_path / "r-latex").read_text()
    assert tex.count(r"\begin{tabular}") >= 4 and r"\toprule" in tex
    assert r"toy-addition" in tex and r"$\pm$" in tex
    data = json.loads((tmp_path / "r-json").read_text())
    assert {"board", "seeds", "environment", "counts"} <= set(data)
    csvs = sorted(p.name for p in tmp_path.glob("r-csv-*.csv"))
    assert {"r-csv-main.csv", "r-csv-efficiency.csv", "r-csv-stability.csv"} <= set(csvs)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r-csv-main.csv").read_text())))
    assert {r["method"] for r in rows} == {"frozen", "lora", "ia3"}
    for r in rows:  # score, interval and mark are columns of their own
        values = [r["toy-addition"], r["toy-addition ci_low"], r["toy-addition ci_high"], r["avg"]]
        assert all(0.0 <= float(v) <= 100.0 for v in values), r
        assert float(r["toy-addition ci_low"]) <= float(r["toy-addition"])
        assert (r["pscp"] == "") == (r["baseline"] == "True")  # baselines get no PSCP


def test_markdown_to_stdout_and_default_location(results: Path, tmp_path: Path) -> None:
    proc = peftbench(
        "report", str(results), "--format", "md", "--out", "-", "--table", "main", cwd=tmp_path
    )
    assert proc.returncode == 0 and proc.stdout.startswith("## peftbench results 'smoke'")
    assert "### Efficiency" not in proc.stdout
    assert (
        peftbench("report", str(results), "--format", "csv", "--out", "-", cwd=tmp_path).returncode
        == 2
    )
    assert peftbench("report", str(tmp_path), cwd=tmp_path).returncode == 2  # not a results folder


def test_html_sections_and_no_network(results: Path) -> None:
    page = (results / "report.html").read_text()
    for key, title in SECTIONS:
        assert f'<section id="{key}"><h2>{title}</h2>' in page
    assert "http://" not in page and "https://" not in page
    assert not URL.search(page.replace("</", "<")), URL.search(page)
    assert "<link" not in page and " src=" not in page and "@import" not in page
    assert page.count("<svg") >= 3 + 2 + 1 + 3  # 3 Pareto, 2 PSCP, heat map, 2 datasets + avg
    assert page.count('class="front-ring"') >= 3  # every Pareto figure highlights a front
    assert 'class="sortable" id="leaderboard-table"' in page
    for method in ("frozen", "lora", "ia3"):
        assert f">{method}<" in page


def _hand_stats(values: list[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def test_seed_statistics_match_hand_computation(results: Path) -> None:
    scores: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    for d in run_dirs(results):
        cfg = json.loads((d / "config.json").read_text())
        metrics = json.loads((d / "metrics.json").read_text())
        scores[(cfg["method"], cfg["dataset"])][cfg["seed"]] = metrics["score"]
    data = collect(results).view
    stats = {r["method"]: r for r in data["seeds"]["rows"]}
    t_975_df1 = 12.706204736
    for (method, dataset), by_seed in scores.items():
        got = stats[method]["datasets"][dataset]
        mean, std = _hand_stats(list(by_seed.values()))
        assert got["n"] == 2 and math.isclose(got["mean"], mean, abs_tol=1e-9)
        assert math.isclose(got["std"], std, abs_tol=1e-9)
        assert math.isclose(
            got["ci_high"] - got["mean"], t_975_df1 * std / math.sqrt(2), abs_tol=1e-6
        )
    for method, row in stats.items():  # the average over datasets, per seed, then over seeds
        per_seed = [
            sum(scores[(method, ds)][seed] for ds in ("toy-addition", "toy-sentiment")) / 2
            for seed in (1, 2)
        ]
        mean, std = _hand_stats(per_seed)
        assert math.isclose(row["score"]["mean"], mean, abs_tol=1e-9)
        assert math.isclose(row["score"]["std"], std, abs_tol=1e-9)
    board_avg = {r["method"]: r["score"] for r in data["board"]["rows"]}
    assert all(math.isclose(board_avg[m], stats[m]["score"]["mean"], abs_tol=1e-9) for m in stats)


def test_failed_and_missing_runs_are_shown(copy_results, tmp_path: Path) -> None:
    root = copy_results("broken")
    failed = run_dirs(root, "lora", "toy-addition")[0]
    edit_json(
        failed / "status.json", lambda s: s.update(status="failed", error="RuntimeError: boom")
    )
    gone = run_dirs(root, "ia3", "toy-sentiment")
    for d in gone:  # both seeds: ia3 lacks a dataset, its row is partial
        shutil.rmtree(d)
    proc = peftbench("report", str(root), "--format", "md", "--out", "-", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "1 failed, 2 missing" in proc.stdout
    assert f"| failed | {failed.name} | lora | toy-addition | RuntimeError: boom |" in proc.stdout
    for d in gone:
        assert f"| missing | {d.name} |" in proc.stdout
    assert "| ia3 (partial) |" in proc.stdout
    page_proc = peftbench("report", str(root), cwd=tmp_path)
    assert page_proc.returncode == 0
    page = (root / "report.html").read_text()
    assert "RuntimeError: boom" in page and "Partial grid: 2 run(s)" in page
    assert "lora FAILED" in page


def test_urls_quoted_in_records_are_defanged(copy_results, tmp_path: Path) -> None:
    root = copy_results("with-url")
    for run in run_dirs(root):  # the environment section shows each dataset's source
        edit_json(
            run / "provenance.json", lambda p: p["dataset"].update(source="https://example.org/d")
        )
    assert peftbench("report", str(root), cwd=tmp_path).returncode == 0
    page = (root / "report.html").read_text()
    assert "https://" not in page and "http://" not in page
    assert "https[:]//example.org/d" in page
