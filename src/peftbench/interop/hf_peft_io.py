"""`peftbench import hf-peft DIR --out RESULTS`: a folder of HF peft result files into a
peftbench results folder, one imported record per file, through the one record writer
(results/store.py), so a completed record is never overwritten and a rerun adds only what is new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from peftbench.errors import UserError
from peftbench.interop.hf_peft import FORMAT, ImportedRun, NotAResult, read_result
from peftbench.results.folder import record_invocation
from peftbench.results.store import ResultsStore


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)  # run_ids written
    kept: list[str] = field(default_factory=list)  # already in the folder: left as they were
    skipped: dict[str, str] = field(default_factory=dict)  # file name -> why it was not read

    def summary(self) -> str:
        lines = [
            f"imported {len(self.imported)} run(s)"
            + (f", {len(self.kept)} already there (kept)" if self.kept else "")
        ]
        lines += [f"skipped {name}: {why}" for name, why in sorted(self.skipped.items())]
        return "\n".join(lines)


def result_files(src: Path) -> list[Path]:
    """The *.json files of `src` (a folder, searched recursively, or one file)."""
    src = Path(src)
    if src.is_file():
        return [src]
    if not src.is_dir():
        raise UserError(
            f"'{src}' is neither a folder nor a file",
            "pass the folder of HF peft result files, e.g. method_comparison/MetaMathQA/results",
        )
    return sorted(p for p in src.rglob("*.json") if p.is_file())


def import_hf_peft(src: Path, out: Path) -> ImportReport:
    """Import every result file of `src` into the results folder `out` (see module doc)."""
    files = result_files(src)
    report = ImportReport()
    runs: list[ImportedRun] = []
    for path in files:
        try:
            runs.append(read_result(path))
        except (NotAResult, OSError) as exc:
            report.skipped[path.name] = str(exc)
    if not runs:
        raise UserError(
            f"no HF peft result file in '{src}' ({len(files)} JSON file(s) looked at)",
            "pass the folder of result files (run_info / train_info / meta_info), e.g. "
            "huggingface/peft method_comparison/MetaMathQA/results",
        )
    store = ResultsStore(out)
    suite = {"name": f"{FORMAT}-import", "description": f"imported from {Path(src).name}"}
    ids = list(dict.fromkeys(r.run_id for r in runs))
    record_invocation(store, suite, ids)
    for run in runs:
        if store.is_complete(run.run_id):
            report.kept.append(run.run_id)
            continue
        _write(store, run)
        report.imported.append(run.run_id)
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
