"""`peftbench import hf-peft DIR --out RESULTS`: a folder of HF peft result files into a
peftbench results folder, one imported record per file, through the one record writer
(results/store.py).

All or nothing: every file is read and checked first; one that is not an HF peft result (or is
damaged) stops the import with exit 2 naming each such file, before anything is written. A
record already in RESULTS is never overwritten (importing again adds only what is new), and
RESULTS must be empty or an earlier import: a folder of peftbench's own runs keeps its suite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from peftbench.errors import UserError
from peftbench.interop.hf_peft import FORMAT, ImportedRun, NotAResult, read_result
from peftbench.results.checks import RecordDamage
from peftbench.results.folder import read_invocations, read_suite, record_invocation
from peftbench.results.store import ResultsStore

SUITE = {
    "name": f"{FORMAT}-import",
    "description": "HF peft method-comparison results, imported by `peftbench import hf-peft`",
}
HINT = "pass the folder of HF peft result files, e.g. peft/method_comparison/MetaMathQA/results"


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)  # run_ids written
    kept: list[str] = field(default_factory=list)  # already in the folder: left as they were
    failed: list[str] = field(default_factory=list)  # their runs that did not finish (imported)

    def summary(self) -> str:
        line = f"imported {len(self.imported)} run(s)"
        if self.failed:
            line += f" ({len(self.failed)} of them failed runs of theirs, listed as failed)"
        if self.kept:
            line += f"; {len(self.kept)} already there, kept as they were"
        return line


def result_files(src: Path) -> list[Path]:
    """The *.json files directly in the folder `src` (their results folder is flat)."""
    src = Path(src)
    if not src.is_dir():
        what = "does not exist" if not src.exists() else "is not a folder"
        raise UserError(f"'{src}' {what}", HINT)
    files = sorted(p for p in src.glob("*.json") if not p.is_dir())
    if not files:
        below = sorted(p.name for p in src.iterdir() if p.is_dir() and any(p.glob("*.json")))
        raise UserError(
            f"'{src}' holds no *.json result file",
            f"did you mean {src / below[0]}?" if below else HINT,
        )
    return files


def read_all(files: list[Path]) -> list[ImportedRun]:
    """Every file as a run, or UserError naming each file that is not a result (and why)."""
    runs, bad = [], []
    for path in files:
        try:
            runs.append(read_result(path))
        except NotAResult as exc:
            bad.append(f"{path.name}: {exc}")
    if bad:
        shown = "\n  ".join(bad[:20]) + (
            f"\n  ... and {len(bad) - 20} more" if len(bad) > 20 else ""
        )
        raise UserError(
            f"{len(bad)} of {len(files)} file(s) are not HF peft result files; nothing was "
            f"imported:\n  {shown}",
            "remove or fix those files (their results are JSON with run_info, train_info and "
            "meta_info), or import a folder without them",
        )
    return runs


def check_target(out: Path) -> None:
    """RESULTS is new, empty, or an earlier import: never another suite's results folder."""
    try:
        suite = read_suite(out) if out.is_dir() else None
    except RecordDamage as exc:
        raise UserError(
            f"{out}/{exc.file} is damaged: {exc.reason}", "pass another --out"
        ) from None
    if suite is not None and suite.name != SUITE["name"]:
        raise UserError(
            f"--out '{out}' holds the results of suite {suite.name!r}; importing there would "
            "mix their runs into its board and replace its suite",
            "pass a new folder to --out, e.g. results/hf-peft",
        )


def import_hf_peft(src: Path, out: Path) -> ImportReport:
    """Import every result file of `src` into the results folder `out` (see module doc)."""
    runs = read_all(result_files(src))
    if Path(out).resolve() == Path(src).resolve():
        raise UserError(
            f"--out '{out}' is the folder of their result files", "pass another --out folder"
        )
    check_target(Path(out))
    store = ResultsStore(out)
    report = ImportReport()
    try:
        earlier = (read_invocations(store.root) or [{"run_ids": []}])[-1]["run_ids"]
    except RecordDamage:
        earlier = []
    ids = list(dict.fromkeys([*earlier, *(r.run_id for r in runs)]))
    written: set[str] = set()
    for run in runs:
        if run.run_id in written or (store.run_dir(run.run_id) / "status.json").exists():
            report.kept.append(run.run_id)  # never overwritten, whatever its state
            continue
        _write(store, run)
        written.add(run.run_id)
        report.imported.append(run.run_id)
        if not run.status.ok:
            report.failed.append(run.run_id)
    record_invocation(store, SUITE, ids)
    return report


def _write(store: ResultsStore, run: ImportedRun) -> None:
    writer = store.writer(run.run_id)
    try:
        writer.record(run.config)
        writer.record(run.provenance)
        if run.metrics is not None and run.efficiency is not None:
            writer.record(run.metrics)
            writer.record(run.efficiency)
        writer.jsonl("train_log.jsonl", run.train_log)
    except BaseException:
        writer.abandon()
        raise
    writer.commit(run.status)
