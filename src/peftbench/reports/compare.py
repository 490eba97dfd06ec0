"""`peftbench compare NEW BASELINE`: does a new run set hold up against a baseline? (a CI gate)

Each (model, method) of the new set is paired with the same method in the baseline; a method the
baseline lacks (a new PEFT method) is paired with `against` when given, else with the baseline's
best method on that model by the chosen metric. Only models and datasets present in both sets
are compared, so an average never mixes different tasks. Per dataset and on the average over
datasets, the difference of the means over seeds is tested with Welch's t-test.

Verdict: `worse` when new - baseline < -tolerance, `better` when > tolerance, else `within`.
With `require_significance`, a drop counts only when it is also significant (p < alpha); a side
with a single seed cannot be tested, and then the drop alone decides (the output says so). The
set falls short when any pair's average is worse or has no result (a failed new run); with
`gate="each"` a worse dataset also counts.

`test="paired"` replaces Welch's test over seeds by the paired bootstrap on the eval items the two
sets share (scoring/comparison.py, as the leaderboard): per dataset and on the average, the
difference new - baseline with its (1 - alpha) interval, seed noise per side (seed-level t).
A drop fails only when it is beyond the tolerance and its interval lies below 0, so noise does
not fail a CI gate, and a single seed per side is enough to test. It compares task scores
(`metric="score"`).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NotRequired, TypedDict

from peftbench.board.uncertainty import method_role, samples_of
from peftbench.config.schema import ScoringSettings
from peftbench.errors import UserError, did_you_mean
from peftbench.reports import escape, tables
from peftbench.reports.seeds import SeedRow, fill_pscp, ok_runs, seed_rows
from peftbench.reports.stats import CONFIDENCE, SummaryJSON, WelchJSON, summarize, welch
from peftbench.results.folder import ResultsFolder, read_folder
from peftbench.results.record import RunRecord
from peftbench.scoring.comparison import compare_model
from peftbench.scoring.profiles import scoring_for
from peftbench.scoring.ties import PAIRED_BOOTSTRAP, Difference

METRICS = ("score", "pscp", "pscp_paper")
GATES = ("average", "each")
TESTS = ("welch", "paired")


class PairedJSON(TypedDict):
    """The paired bootstrap's new - baseline (`test="paired"`)."""

    diff: float
    ci_low: float
    ci_high: float
    p_value: float
    test: str


class Judgement(TypedDict):
    """One comparison (a dataset, or the average): both sides over seeds, the test that was
    run (`welch` or `paired`; neither when a side has no result) and the verdict."""

    new: SummaryJSON | None
    baseline: SummaryJSON | None
    welch: NotRequired[WelchJSON]
    paired: NotRequired[PairedJSON]
    significant: NotRequired[bool]
    verdict: str
    fails: bool


class PairJSON(TypedDict):
    """A method of the new set against the baseline method it is held to, per dataset and on
    the average."""

    model: str
    method: str
    baseline_method: str
    paired_by: str
    datasets: dict[str, Judgement]
    average: Judgement
    fails: bool


class Comparison(TypedDict):
    """What `compare` returns (printed as JSON by `peftbench compare --format json`)."""

    new: str
    baseline: str
    metric: str
    tolerance: float
    alpha: float
    require_significance: bool
    gate: str
    pairs: list[PairJSON]
    failed_new_runs: list[str]
    damaged: dict[str, list[str]]
    missing_new_runs: list[str]
    notes: list[str]
    passed: bool
    test: NotRequired[str]


def _datasets(rs: ResultsFolder) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for r in rs.ok:
        out[r.model].add(r.dataset)
    return out


def _values(rows: list[SeedRow], side: str, model: str, method: str, metric: str) -> list[float]:
    picked = [r for r in rows if (r.side, r.model, r.method) == (side, model, method)]
    # a baseline has no PSCP (None): nothing to compare on that metric
    values = [r.number(metric) for r in sorted(picked, key=lambda r: r.seed)]
    return [v for v in values if v is not None]


def judge(
    new: list[float],
    base: list[float],
    tolerance: float,
    alpha: float,
    require_significance: bool,
) -> Judgement:
    """One comparison: the two summaries, Welch's test and the verdict."""
    if not new or not base:
        return {
            "new": summarize(new).as_dict() if new else None,
            "baseline": summarize(base).as_dict() if base else None,
            "verdict": "no result" if not new else "no baseline",
            "fails": not new,
        }
    w = welch(new, base)
    verdict, fails = "within", False
    if w.diff > tolerance:
        verdict = "better"
    elif w.diff < -tolerance:
        verdict, fails = "worse", True
        if require_significance and w.p_value is not None and not w.significant(alpha):
            verdict, fails = "worse, not significant", False
        elif require_significance and w.p_value is None:
            verdict = "worse (one seed: untested)"
    return {
        "new": summarize(new).as_dict(),
        "baseline": summarize(base).as_dict(),
        "welch": w.as_dict(),
        "significant": w.significant(alpha),
        "verdict": verdict,
        "fails": fails,
    }


def judge_paired(
    new: list[float],
    base: list[float],
    diff: Difference | None,
    tolerance: float,
) -> Judgement:
    """One comparison by the paired bootstrap: a drop fails only when it is beyond the tolerance
    and significant (its interval below 0)."""
    if not new or not base:
        return judge(new, base, tolerance, 0.05, False)
    new_s, base_s = summarize(new).as_dict(), summarize(base).as_dict()
    if diff is None:
        return {
            "new": new_s,
            "baseline": base_s,
            "verdict": "no paired items (other eval items)",
            "fails": False,
            "significant": False,
        }
    verdict, fails = "within", False
    if diff.estimate > tolerance:
        verdict = "better"
    elif diff.estimate < -tolerance:
        verdict, fails = ("worse", True) if diff.high < 0 else ("worse, within noise", False)
    paired: PairedJSON = {
        "diff": diff.estimate,
        "ci_low": diff.low,
        "ci_high": diff.high,
        "p_value": diff.p_value,
        "test": PAIRED_BOOTSTRAP,
    }
    return {
        "new": new_s,
        "baseline": base_s,
        "paired": paired,
        "significant": diff.significant,
        "verdict": verdict,
        "fails": fails,
    }


def paired_differences(
    new: ResultsFolder,
    base: ResultsFolder,
    model: str,
    method: str,
    ref: str,
    datasets: set[str],
    alpha: float,
) -> tuple[dict[str, Difference | None], Difference | None]:
    """new - baseline per dataset and on the average, by the paired bootstrap (None where the
    two sides have no eval items in common)."""
    mine = [r for r in new.records if (r.model, r.method) == (model, method)]
    theirs = [r for r in base.records if (r.model, r.method) == (model, ref)]
    new_s = samples_of(mine).get(model, {}).get(method, {})
    base_s = samples_of(theirs).get(model, {}).get(ref, {})

    def diff(ds: list[str]) -> Difference | None:
        if not all(new_s.get(d) and base_s.get(d) for d in ds):
            return None
        cells = {"new": {d: new_s[d] for d in ds}, "base": {d: base_s[d] for d in ds}}
        stats = compare_model(model, cells, [], reference="base", confidence=1.0 - alpha)
        return stats.methods["new"].vs_reference

    return {d: diff([d]) for d in sorted(datasets)}, diff(sorted(datasets))


def compare(
    new_dir: Path,
    base_dir: Path,
    metric: str = "score",
    tolerance: float = 0.0,
    alpha: float = 1.0 - CONFIDENCE,
    require_significance: bool = False,
    against: str | None = None,
    gate: str = "average",
    profile: str | None = None,
    test: str = "welch",
) -> Comparison:
    """`profile`: compare PSCP under a named weight profile (scoring/profiles.py) instead of the
    baseline set's own weights."""
    rules = _Rules(metric, tolerance, alpha, require_significance, gate, test)
    _check_rules(rules)
    new, base = read_folder(new_dir), read_folder(base_dir)
    notes = []
    if new.scoring != base.scoring:
        notes.append("the two sets use different PSCP settings: the baseline's are used")
    scoring = scoring_for(base.scoring, profile)
    if profile is not None:
        notes.append(f"PSCP weights: profile {profile}")
    nd, bd = _datasets(new), _datasets(base)
    if not nd and new.records and bd:  # every run of the new set failed: it falls short
        notes.append("the new set has no successful run")
        return _result(new, base, rules, [], notes)
    common = _common_datasets(nd, bd)
    if not common:
        damaged = len(new.damaged) + len(base.damaged)
        raise UserError(
            f"{new_dir} and {base_dir} share no (model, dataset) with a successful run"
            + (f" ({damaged} damaged record(s) left out)" if damaged else ""),
            "compare results of the same models and datasets",
        )
    notes += _left_out_notes(nd, bd, common)
    sets = _compared(new, base, common, scoring)
    base_methods = sorted({(r.model, r.method) for r in _kept(base, common)})
    _check_against(against, base_methods)
    pairs = _pairs(sets, base_methods, against, rules, notes)
    result = _result(new, base, rules, pairs, notes)
    result["test"] = test
    return result


@dataclass(frozen=True)
class _Rules:
    """How the pairs are judged (`compare`'s options), passed around as one value."""

    metric: str
    tolerance: float
    alpha: float
    require_significance: bool
    gate: str
    test: str

    def judge(self, new: list[float], base: list[float], diff: Difference | None) -> Judgement:
        """One comparison by the chosen test (`diff`: the paired bootstrap's, when paired)."""
        if self.test == "paired":
            return judge_paired(new, base, diff, self.tolerance)
        return judge(new, base, self.tolerance, self.alpha, self.require_significance)


def _check_rules(rules: _Rules) -> None:
    """Refuse options that cannot be judged, before any folder is read (a CI gate must not pass
    on a typo)."""
    if rules.test not in TESTS:
        raise UserError(f"unknown test '{rules.test}'", f"choose one of {', '.join(TESTS)}")
    if rules.test == "paired" and rules.metric != "score":
        raise UserError(
            f"--test paired compares task scores, not '{rules.metric}'",
            "use --metric score with --test paired, or --test welch for PSCP",
        )
    if rules.metric not in METRICS:
        raise UserError(f"unknown metric '{rules.metric}'", f"choose one of {', '.join(METRICS)}")
    if not 0.0 < rules.alpha < 1.0:
        raise UserError(f"alpha must be between 0 and 1, got {rules.alpha}", "e.g. --alpha 0.05")
    if rules.gate not in GATES:
        raise UserError(f"unknown gate '{rules.gate}'", f"choose one of {', '.join(GATES)}")
    if not math.isfinite(rules.tolerance) or rules.tolerance < 0:
        raise UserError(
            f"tolerance must be a finite number >= 0, got {rules.tolerance}",
            "e.g. --tolerance 1.0",
        )


def _common_datasets(nd: dict[str, set[str]], bd: dict[str, set[str]]) -> dict[str, set[str]]:
    """model -> the datasets both sets have a successful run of (only those are compared, so an
    average never mixes different tasks)."""
    return {m: nd[m] & bd[m] for m in nd if m in bd and nd[m] & bd[m]}


def _left_out_notes(
    nd: dict[str, set[str]], bd: dict[str, set[str]], common: dict[str, set[str]]
) -> list[str]:
    """One note per model with datasets only one set has: they are left out, and the output
    says so."""
    notes = []
    for m in sorted(set(nd) | set(bd)):
        left_out = (nd.get(m, set()) | bd.get(m, set())) - common.get(m, set())
        if left_out:
            notes.append(f"{m}: not in both sets, left out: {', '.join(sorted(left_out))}")
    return notes


@dataclass(frozen=True)
class _Compared:
    """The two sets reduced to what both have: the (model -> datasets) they share and their
    per-seed rows (`avg_rows`: seeds with every shared dataset; `ds_rows`: per dataset)."""

    new: ResultsFolder
    base: ResultsFolder
    common: dict[str, set[str]]
    avg_rows: list[SeedRow]
    ds_rows: list[SeedRow]


def _kept(rs: ResultsFolder, common: dict[str, set[str]]) -> list[RunRecord]:
    """The successful runs of `rs` on a (model, dataset) both sets have."""
    return [r for r in ok_runs(rs.records) if r.dataset in common.get(r.model, set())]


def _compared(
    new: ResultsFolder, base: ResultsFolder, common: dict[str, set[str]], scoring: ScoringSettings
) -> _Compared:
    """Per-seed rows of both sets on what they share, with PSCP on one scale for both (maxima
    over everything compared), so the two sides are measured alike."""
    avg_rows: list[SeedRow] = []
    ds_rows: list[SeedRow] = []
    for side, rs in (("new", new), ("base", base)):
        recs = _kept(rs, common)
        for row in seed_rows(recs, scoring):
            if row.n_datasets == len(common[row.model]):  # a seed that has every dataset
                avg_rows.append(_on_side(row, side))
        ds_rows += [_on_side(row, side) for row in seed_rows(recs, scoring, per_dataset=True)]
    fill_pscp(avg_rows, scoring)
    fill_pscp(ds_rows, scoring)
    return _Compared(new, base, common, avg_rows, ds_rows)


def _on_side(row: SeedRow, side: str) -> SeedRow:
    """`row` as one side's (a copy: PSCP is filled again over both sides together)."""
    return replace(row, side=side, values=dict(row.values))


def _check_against(against: str | None, base_methods: list[tuple[str, str]]) -> None:
    """`--against` must name a method the baseline has (with a "did you mean")."""
    if against and not any(m == against for _, m in base_methods):
        names = sorted({m for _, m in base_methods})
        raise UserError(
            f"the baseline has no method '{against}'",
            did_you_mean(against, names) or f"its methods: {', '.join(names)}",
        )


def _pairs(
    sets: _Compared,
    base_methods: list[tuple[str, str]],
    against: str | None,
    rules: _Rules,
    notes: list[str],
) -> list[PairJSON]:
    """One judged pair per (model, method) of the new set. A baseline method (no PSCP) is not
    compared on a PSCP metric; that is added to `notes`."""
    pairs = []
    for model, method in sorted({(r.model, r.method) for r in _kept(sets.new, sets.common)}):
        if rules.metric != "score" and method_role(method)[0]:
            notes.append(
                f"{model}/{method}: a baseline has no {rules.metric} (not ranked): not compared"
            )
            continue
        ref, how = _reference(model, method, base_methods, against, sets.avg_rows, rules.metric)
        pairs.append(_pair(sets, model, method, ref, how, rules))
    return pairs


def _pair(sets: _Compared, model: str, method: str, ref: str, how: str, rules: _Rules) -> PairJSON:
    """The new set's `method` against the baseline's `ref` on `model`, per dataset and on the
    average; it fails on its average, or with `gate="each"` on any dataset too."""
    ds_diffs: dict[str, Difference | None] = {}
    avg_diff: Difference | None = None
    if rules.test == "paired":
        ds_diffs, avg_diff = paired_differences(
            sets.new, sets.base, model, method, ref, sets.common[model], rules.alpha
        )
    per_ds: dict[str, Judgement] = {}
    for d in sorted(sets.common[model]):
        rows_d = [r for r in sets.ds_rows if r.dataset == d]
        new_v = _values(rows_d, "new", model, method, rules.metric)
        base_v = _values(rows_d, "base", model, ref, rules.metric)
        per_ds[d] = rules.judge(new_v, base_v, ds_diffs.get(d))
    new_v = _values(sets.avg_rows, "new", model, method, rules.metric)
    base_v = _values(sets.avg_rows, "base", model, ref, rules.metric)
    average = rules.judge(new_v, base_v, avg_diff)
    each = rules.gate == "each" and any(c["fails"] for c in per_ds.values())
    return {
        "model": model,
        "method": method,
        "baseline_method": ref,
        "paired_by": how,
        "datasets": per_ds,
        "average": average,
        "fails": average["fails"] or each,
    }


def _result(
    new: ResultsFolder,
    base: ResultsFolder,
    rules: _Rules,
    pairs: list[PairJSON],
    notes: list[str],
) -> Comparison:
    ok = bool(new.ok)
    return {
        "new": str(new.root),
        "baseline": str(base.root),
        "metric": rules.metric,
        "tolerance": rules.tolerance,
        "alpha": rules.alpha,
        "require_significance": rules.require_significance,
        "gate": rules.gate,
        "pairs": pairs,
        "failed_new_runs": [f"{r.run_id}: {r.error}" for r in new.failed],
        "damaged": {
            side: [f"{r.run_id}: {r.damage}" for r in rs.damaged]
            + [f"{d.file}: {d.reason}" for d in rs.damaged_files]
            for side, rs in (("new", new), ("baseline", base))
        },
        "missing_new_runs": new.missing,
        "notes": notes,
        "passed": ok and not any(p["fails"] for p in pairs),
    }


def _reference(
    model: str,
    method: str,
    base_methods: list[tuple[str, str]],
    against: str | None,
    avg_rows: list[SeedRow],
    metric: str,
) -> tuple[str, str]:
    """The baseline method a new method is held against, and why that one."""
    if (model, method) in base_methods:
        return method, "same method"
    if against:
        return against, "--against"
    candidates = [m for mod, m in base_methods if mod == model]
    means = {m: _values(avg_rows, "base", model, m, metric) for m in candidates}
    scored = {m: statistics.fmean(v) for m, v in means.items() if v}
    if not scored:
        return (candidates[0] if candidates else method), "no baseline average"
    return max(scored, key=lambda m: (scored[m], m)), f"best baseline {metric}"


def _summary_cell(s: SummaryJSON | None) -> str:
    if not s:
        return "-"
    return f"{tables.mean_std(s, 2)} (n={s['n']})"


def _test_of(c: Judgement) -> PairedJSON | WelchJSON | None:
    """The test a comparison ran (None: a side had no result, nothing was tested)."""
    return c.get("paired") or c.get("welch")


def to_table(pair: PairJSON, metric: str, gate: str = "average") -> tables.Table:
    """A pair's datasets and average; verdicts that make the gate fail are in capitals."""
    header = ["dataset", "new", "baseline", "diff", "95% CI of diff", "p", "verdict"]
    rows = []
    for name, c in [*pair["datasets"].items(), ("average", pair["average"])]:
        gating = c["fails"] and (name == "average" or gate == "each")
        w = _test_of(c)
        ci = "-"
        if w is not None and w["ci_low"] is not None and w["ci_high"] is not None:
            ci = f"[{w['ci_low']:+.2f}, {w['ci_high']:+.2f}]"
        p = "-" if w is None or w["p_value"] is None else f"{w['p_value']:.3f}"
        diff = "-" if w is None else f"{w['diff']:+.2f}"
        verdict = c["verdict"] + (" *" if c.get("significant") else "")
        rows.append(
            [
                name,
                _summary_cell(c["new"]),
                _summary_cell(c["baseline"]),
                diff,
                ci,
                p,
                verdict.upper() if gating else verdict,
            ]
        )
    title = f"{pair['model']}: {pair['method']} vs baseline {pair['baseline_method']}"
    return tables.Table("compare", f"{title} ({pair['paired_by']}; {metric})", header, rows)


def summary_table(result: Comparison) -> tables.Table:
    """One line per pair: the average over datasets, its difference, p and verdict."""
    header = ["model", "method", "baseline", "new avg", "baseline avg", "diff", "p", "verdict"]
    rows = []
    for p in result["pairs"]:
        a = p["average"]
        w = _test_of(a)
        rows.append(
            [
                p["model"],
                p["method"],
                p["baseline_method"],
                _summary_cell(a["new"]),
                _summary_cell(a["baseline"]),
                "-" if w is None else f"{w['diff']:+.2f}",
                "-" if w is None or w["p_value"] is None else f"{w['p_value']:.3f}",
                a["verdict"].upper() if p["fails"] else a["verdict"],
            ]
        )
    return tables.Table("compare-summary", f"Summary ({result['metric']})", header, rows)


def render(result: Comparison, markdown: bool = False) -> str:
    """Text (or Markdown) for a terminal or a CI log / pull-request comment; every line and
    cell escaped for its medium (reports/escape.py)."""
    esc = escape.markdown if markdown else escape.terminal
    head = (
        f"compare {result['metric']}: new {result['new']} vs baseline {result['baseline']}; "
        f"tolerance {result['tolerance']:g}, alpha {result['alpha']:g}"
        + ("; drops must be significant" if result["require_significance"] else "")
        + ("; paired test on the same eval items" if result.get("test") == "paired" else "")
        + f"; gate on {result['gate']}"
    )
    out = [esc(head), ""]
    for pair in result["pairs"]:
        t = to_table(pair, result["metric"], result["gate"])
        out += [tables.to_markdown(t) if markdown else tables.to_text(t), ""]
    how = (
        "paired bootstrap over the shared eval items, seeds drawn per side"
        if result.get("test") == "paired"
        else "Welch's t-test over seeds"
    )
    out.append(f"* significant at alpha ({how}); n = seeds; CAPITALS: fails the gate")
    out += [
        "",
        tables.to_markdown(summary_table(result))
        if markdown
        else tables.to_text(summary_table(result)),
    ]
    out += [esc(line) for line in problems(result)]
    if result["missing_new_runs"]:
        out.append(f"missing {len(result['missing_new_runs'])} run(s) of the new set's suite")
    short = [f"{p['model']}/{p['method']}" for p in result["pairs"] if p["fails"]]
    if result["passed"]:
        out.append(f"PASS: {len(result['pairs'])} comparison(s), none falls short")
    elif not result["pairs"]:
        out.append("FALLS SHORT: the new set has no successful run to compare")
    else:
        out.append(esc(f"FALLS SHORT: {', '.join(short)} ({len(short)} of {len(result['pairs'])})"))
    return "\n".join(out)


def problems(result: Comparison) -> list[str]:
    """Notes, failed and damaged runs of a comparison, one line each."""
    out = [f"note: {n}" for n in result["notes"]]
    out += [f"FAILED new run {f}" for f in result["failed_new_runs"]]
    for side, items in result.get("damaged", {}).items():
        out += [f"DAMAGED {side} record (left out) {d}" for d in items]
    return out
