"""`peftbench merge`: bundles -> one merged results folder and a static site, inside --out only.

Order of work, so that a refusal leaves nothing behind:
1. --out must be missing or an empty folder (a merge never overwrites anything);
2. every bundle is read and checked in memory (community/read.py: caps, member paths, types,
   hashes, manifest); any problem refuses the whole merge (exit 2);
3. the members are written to --out/.staging/<n>/ and read back as a results folder through
   the typed reader (results/folder.py); a damaged or failed record refuses the merge;
4. runs are combined: a run id seen before with the same bytes is a duplicate (reported, kept
   once); with other bytes it is a bundle claiming another's run: the merge is refused;
5. cells are checked for comparability (community/comparable.py): an incomparable run is left
   out and reported with the reason; so is a second run of the same model, task, method and seed;
6. the kept runs become --out/results/ (a results folder: `peftbench show --out/results`), the
   bundles are copied to --out/bundles/, and the site is written (community/site.py).
On any refusal or error, what this merge created is removed.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from peftbench.community.bundle import RUNS
from peftbench.community.comparable import cell_settings, difference, method_settings
from peftbench.community.read import Bundle, BundleRefused, read_bundle
from peftbench.config.paths import check_out_dir
from peftbench.config.schema import ScoringSettings
from peftbench.errors import UserError
from peftbench.results.atomic import make_parent, write_bytes, write_json
from peftbench.results.folder import INVOCATIONS, SUITE, ResultsFolder, read_folder
from peftbench.results.record import SCHEMA_VERSION, RunRecord

STAGING = ".staging"
RESULTS = "results"
BUNDLES = "bundles"


@dataclass(frozen=True)
class Source:
    """One merged bundle, as the site lists it."""

    name: str  # the file name given
    file: str  # its copy, relative to --out
    sha256: str
    runs: int
    source: str | None  # the suite name it was packed from


@dataclass(frozen=True)
class Left:
    """A run not on the board: a duplicate (kept once) or an incomparable run (left out)."""

    run_id: str
    bundle: str
    cell: str
    reason: str


@dataclass(frozen=True)
class Merged:
    out: Path
    sources: tuple[Source, ...]
    folder: ResultsFolder  # --out/results, read back through the typed reader
    duplicates: tuple[Left, ...] = ()
    refused: tuple[Left, ...] = field(default=())


def merge(paths: Sequence[Path], out: Path, keep_first: bool = False) -> Merged:
    """Merge the bundles at `paths` into `out` (see the module docstring). `keep_first`: a run
    id held by two bundles with other content (the same cell run twice: run ids are digests of
    the settings) keeps the first bundle's run and leaves the other out, instead of refusing."""
    _check_out(Path(out))
    bundles = [read_bundle(Path(p)) for p in paths]
    created = _first_new(Path(out))
    try:
        Path(out).mkdir(parents=True, exist_ok=True)
        merged = _merge(bundles, Path(out), keep_first)
        from peftbench.community.site import write_site

        write_site(merged)
        shutil.rmtree(Path(out) / STAGING)
        return merged
    except BaseException:
        _undo(Path(out), created)
        raise


def _check_out(out: Path) -> None:
    if out.is_symlink():
        raise UserError(f"--out '{out}' is a link", "give a folder of its own")
    if out.is_dir() and any(out.iterdir()):
        raise UserError(
            f"--out '{out}' is not empty: refused, so nothing in it is overwritten",
            "give a new or empty folder (a merge writes a whole site)",
        )
    check_out_dir(out, "--out")


def _first_new(out: Path) -> Path | None:
    """The topmost folder of `out` that does not exist yet (None: `out` exists)."""
    new = None
    for folder in (out, *out.absolute().parents):
        if folder.exists() or folder.is_symlink():
            break
        new = folder
    return new


def _undo(out: Path, created: Path | None) -> None:
    """Remove what the merge wrote: every folder it made, up to the topmost; else everything in
    `out` (it was empty)."""
    if created is not None:
        shutil.rmtree(created, ignore_errors=True)
        return
    for child in out.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _staged(bundle: Bundle, where: Path) -> ResultsFolder:
    """The bundle written out and read back as a results folder; damage refuses it."""
    for name, data in bundle.members.items():
        make_parent(where / name)
        write_bytes(where / name, data)
    folder = read_folder(where)
    problems = [f"{d.file}: {d.reason}" for d in folder.damaged_files]
    problems += [f"run {r.run_id} is {r.state}: {r.error}" for r in folder.damaged + folder.failed]
    problems += [f"run {rid} is missing" for rid in folder.missing]
    problems += [f"run {rid} is not in its invocations.json" for rid in folder.ignored]
    if folder.expected is None or sorted(folder.expected) != sorted(bundle.run_ids):
        problems.append("its invocations.json does not list the runs its manifest names")
    if problems:
        raise BundleRefused(
            f"bundle {bundle.path.name} holds records that do not read ok: refused, nothing "
            "merged:\n  " + "\n  ".join(problems[:20]),
            "its author should pack again with `peftbench pack` (which refuses damaged records)",
        )
    return folder


def _merge(bundles: list[Bundle], out: Path, keep_first: bool) -> Merged:
    staged = [_staged(b, out / STAGING / str(i)) for i, b in enumerate(bundles)]
    seen: dict[str, Bundle] = {}
    duplicates: list[Left] = []
    clashes: list[Left] = []
    candidates: list[tuple[Bundle, RunRecord, ScoringSettings]] = []
    for bundle, folder in zip(bundles, staged, strict=True):
        for rec in sorted(folder.ok, key=lambda r: r.run_id):
            first = seen.get(rec.run_id)
            if first is None:
                seen[rec.run_id] = bundle
                candidates.append((bundle, rec, folder.scoring))
            elif first.run_members(rec.run_id) == bundle.run_members(rec.run_id):
                reason = f"duplicate of {first.path.name}'s"
                duplicates.append(Left(rec.run_id, bundle.path.name, _cell(rec), reason))
            else:
                clashes.append(_clash(first, bundle, rec, keep_first))
    kept, refused = _comparable(candidates)
    refused = clashes + refused
    folder = _write_results(out, kept, candidates[0][2] if candidates else ScoringSettings())
    sources = tuple(_copy_bundle(out, i, b) for i, b in enumerate(bundles))
    return Merged(out, sources, folder, tuple(duplicates), tuple(refused))


def _cell(rec: RunRecord) -> str:
    return f"{rec.model} / {rec.dataset} / {rec.method} / seed {rec.seed}"


def _clash(first: Bundle, bundle: Bundle, rec: RunRecord, keep_first: bool) -> Left:
    """The same run id with other content: refused (a bundle claiming another's run), or with
    `keep_first` left out (the same cell run twice by two people)."""
    mine, theirs = bundle.run_members(rec.run_id), first.run_members(rec.run_id)
    differ = ", ".join(sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k)))
    if not keep_first:
        raise BundleRefused(
            f"bundle {bundle.path.name} claims run {rec.run_id}, which bundle "
            f"{first.path.name} holds with other content ({differ} differ): refused, nothing "
            "merged",
            "a run id is a digest of a cell's settings: if both ran that cell, merge with "
            "--keep-first (the first bundle's run counts, the other is listed as left out)",
        )
    why = f"run id already on the board from {first.path.name} with other content ({differ})"
    return Left(rec.run_id, bundle.path.name, _cell(rec), why)


def _comparable(
    candidates: list[tuple[Bundle, RunRecord, ScoringSettings]],
) -> tuple[list[RunRecord], list[Left]]:
    """The runs comparable with the first of their board (and method, and cell); the others
    with the reason."""
    boards: dict[tuple, tuple[dict, str]] = {}
    methods: dict[tuple, tuple[dict, str]] = {}
    cells: dict[tuple, str] = {}
    kept: list[RunRecord] = []
    refused: list[Left] = []
    for bundle, rec, scoring in candidates:
        name = bundle.path.name
        settings, msettings = cell_settings(rec, scoring), method_settings(rec)
        cell = (rec.model, rec.dataset, rec.method, rec.seed)
        board, method = boards.get(cell[:2]), methods.get(cell[:3])
        why = None
        if board is not None:
            why = _versus(difference(settings, board[0]), board[1])
        if why is None and method is not None:
            why = _versus(difference(msettings, method[0]), method[1])
        if why is None and cell in cells:
            why = f"the same cell as run {cells[cell]} (already on the board)"
        if why is not None:
            refused.append(Left(rec.run_id, name, _cell(rec), why))
            continue
        boards.setdefault(cell[:2], (settings, f"{name}'s {rec.run_id}"))
        methods.setdefault(cell[:3], (msettings, f"{name}'s {rec.run_id}"))
        cells[cell] = rec.run_id
        kept.append(rec)
    return kept, refused


def _versus(why: str | None, first: str) -> str | None:
    return None if why is None else f"{why}; the board has {first}"


def _write_results(out: Path, kept: list[RunRecord], scoring: ScoringSettings) -> ResultsFolder:
    """--out/results: the kept runs (moved from staging), the board's scoring, one invocation."""
    root = out / RESULTS
    (root / RUNS).mkdir(parents=True)
    for rec in kept:
        rec.folder.rename(root / RUNS / rec.run_id)
    suite = {
        "name": "community-board",
        "description": "runs merged from community bundles by `peftbench merge`",
        "scoring": asdict(scoring),
    }
    write_json(root / SUITE, {"schema_version": SCHEMA_VERSION, **suite})
    ids = [r.run_id for r in kept]
    invocation = {"suite": "merge", "run_ids": ids}
    write_json(root / INVOCATIONS, {"schema_version": SCHEMA_VERSION, "invocations": [invocation]})
    return read_folder(root)


def _copy_bundle(out: Path, index: int, bundle: Bundle) -> Source:
    rel = f"{BUNDLES}/{index + 1:02d}-{bundle.sha256[:12]}.tar.gz"
    make_parent(out / rel)
    write_bytes(out / rel, bundle.raw)
    source = bundle.manifest.get("source")
    return Source(
        bundle.path.name,
        rel,
        bundle.sha256,
        len(bundle.run_ids),
        source if isinstance(source, str) else None,
    )
