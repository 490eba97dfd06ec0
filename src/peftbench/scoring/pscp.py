"""PSCP, both forms (docs/measurements.md), and how a leaderboard row's inputs are gathered.

Seed form (`pscp`):   S * exp(-a*P/Pmax - b*L/Lmax - g*M/Mmax - r*R/Rmax)
Paper form (`pscp_paper`): S * (1 + P/cp)^-bp * (1 + F/cf)^-bf * (1 + M/cm)^-bm * (1 + R/cr)^-br
S: task score 0-100; P: trainable parameters; L: latency ms/token; M: peak training memory
(MB in the seed form, where only ratios matter; GB in the paper form); F: extra inference
TFLOPs over the base model; R: forgetting, the points lost on general tasks (max(0, -retention
change); 0 when not measured). Pmax/Lmax/Mmax/Rmax are the largest values among the rows compared.
The retention weights r and br are 0 by default, so published PSCP values stay comparable.

A term whose figure some contestant of the comparison lacks (an imported record that never
measured latency or FLOPs: None, never zero) is left out for every row compared -- its weight
acts as 0 -- and `left_out` names it, so the board can say which terms the PSCP lacks.

Baselines (`frozen`, `full`: rows with `baseline` true) are references, not contestants: they get
no PSCP (None) and their costs do not enter the maxima, as the paper's PSCP table has only the
PEFT methods.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Literal, TypeAlias, TypedDict

import numpy as np

from peftbench.config.schema import PscpPaperSettings, PscpSeedSettings
from peftbench.json_types import JSONValue

SEED_FORMULA = "pscp = S*exp(-a*P/Pmax - b*L/Lmax - g*M/Mmax - r*R/Rmax)"
PAPER_FORMULA = "pscp_paper = S*(1+P/cp)^-bp*(1+F/cf)^-bf*(1+M/cm)^-bm*(1+R/cr)^-br"

# A leaderboard row's figures by row key, as scoring/ reads them: the board's typed row inputs
# (board/inputs.py) or a row of leaderboard.json (reports/seeds.py); each figure is checked to be
# a number where it is read.
Figures: TypeAlias = Mapping[str, object]
Form = Literal["pscp", "pscp_paper"]
FORMS: tuple[Form, ...] = ("pscp", "pscp_paper")


class Pscp(TypedDict):
    """A row's PSCP, both forms (None: a baseline, which gets none)."""

    pscp: float | None
    pscp_paper: float | None


def _ratio(x: float, top: float) -> float:
    return x / top if top > 0 else 0.0


def pscp_seed(
    s: float,
    p: float,
    lat: float,
    m: float,
    p_max: float,
    l_max: float,
    m_max: float,
    w: PscpSeedSettings,
    forgetting: float = 0.0,
    f_max: float = 0.0,
) -> float:
    cost = w.a * _ratio(p, p_max) + w.b * _ratio(lat, l_max) + w.g * _ratio(m, m_max)
    return s * math.exp(-cost - w.r * _ratio(forgetting, f_max))


def pscp_paper(
    s: float,
    p: float,
    extra_tflops: float,
    mem_gb: float,
    w: PscpPaperSettings,
    forgetting: float = 0.0,
) -> float:
    return (
        s
        * (1 + p / w.cp) ** -w.bp
        * (1 + max(0.0, extra_tflops) / w.cf) ** -w.bf
        * (1 + mem_gb / w.cm) ** -w.bm
        * (1 + forgetting / w.cr) ** -w.br
    )


def forgetting(row: Figures) -> float:
    """Points lost on general tasks (0 when the row gained, or retention was not measured)."""
    delta = _known(row, "retention_delta")
    return max(0.0, -float(delta)) if delta is not None else 0.0


# the terms a row may lack, by row key: L (seed form) and F (paper form)
OPTIONAL_TERMS = ("latency_ms_per_token", "extra_tflops")


def left_out(rows: Sequence[Figures]) -> list[str]:
    """The row keys of the PSCP terms left out of the comparison of `rows` (baselines do not
    count: they get no PSCP) because a contestant lacks the figure."""
    ranked = [r for r in rows if not r.get("baseline")]
    return [k for k in OPTIONAL_TERMS if any(r.get(k) is None for r in ranked)]


def _known(row: Figures, key: str) -> float | None:
    """The row's figure `key` (None when missing); a value that is not a number is an error."""
    value = row.get(key)
    if value is None or isinstance(value, int | float):
        return value
    raise TypeError(f"leaderboard row {row.get('method')!r}: {key} is {value!r}, not a number")


def _figure(row: Figures, key: str) -> float:
    """The row's figure `key`, which every row compared has."""
    value = _known(row, key)
    if value is None:
        raise KeyError(f"leaderboard row {row.get('method')!r} has no {key}")
    return value


def method_of(row: Figures) -> str:
    method = row["method"]
    if not isinstance(method, str):
        raise TypeError(f"a leaderboard row's method is a name, got {method!r}")
    return method


def _term(row: Figures, key: str, dropped: Sequence[str]) -> float:
    """The row's figure for a term, or 0 for a term left out (exp(-0) = (1+0)^-b = 1)."""
    return 0.0 if key in dropped else float(_figure(row, key))


def _maxima(ranked: Sequence[Figures]) -> tuple[float, float, float]:
    """Pmax, Mmax and Rmax over the contestants (Lmax is taken where L is known)."""
    return (
        max((_figure(r, "trainable_params") for r in ranked), default=0),
        max((_figure(r, "peak_train_mem_mb") for r in ranked), default=0.0),
        max((forgetting(r) for r in ranked), default=0.0),
    )


def pscp_values(
    rows: Sequence[Figures], seed_w: PscpSeedSettings, paper_w: PscpPaperSettings
) -> list[Pscp]:
    """Both PSCP forms of each row (keys: score, trainable_params, latency_ms_per_token,
    peak_train_mem_mb, extra_tflops, optional retention_delta). Maxima are over the
    contestants of `rows`; a baseline row gets None for both."""
    ranked = [r for r in rows if not r.get("baseline")]
    dropped = left_out(ranked)
    p_max, m_max, f_max = _maxima(ranked)
    l_max = max((_term(r, "latency_ms_per_token", dropped) for r in ranked), default=0.0)
    out: list[Pscp] = []
    for r in rows:
        if r.get("baseline"):
            out.append({"pscp": None, "pscp_paper": None})
            continue
        score, params = _figure(r, "score"), _figure(r, "trainable_params")
        mem = _figure(r, "peak_train_mem_mb")
        seed = pscp_seed(
            score,
            params,
            _term(r, "latency_ms_per_token", dropped),
            mem,
            p_max,
            l_max,
            m_max,
            seed_w,
            forgetting(r),
            f_max,
        )
        paper = pscp_paper(
            score,
            params,
            _term(r, "extra_tflops", dropped),
            mem / 1024,
            paper_w,
            forgetting(r),
        )
        out.append({"pscp": seed, "pscp_paper": paper})
    return out


def add_pscp(
    rows: Sequence[MutableMapping[str, JSONValue]],
    seed_w: PscpSeedSettings,
    paper_w: PscpPaperSettings,
) -> None:
    """Fill `pscp` and `pscp_paper` in each row of JSON (`pscp_values`): rows read back from a
    leaderboard, as the per-seed rows of reports/seeds.py."""
    for r, values in zip(rows, pscp_values(rows, seed_w, paper_w), strict=True):
        r["pscp"], r["pscp_paper"] = values["pscp"], values["pscp_paper"]


def cost_factors(
    rows: Sequence[Figures], seed_w: PscpSeedSettings, paper_w: PscpPaperSettings
) -> dict[str, dict[str, float]]:
    """{form: {method: PSCP with S = 1}}: what multiplies a contestant's score (both forms are
    linear in S), so PSCP can be recomputed on bootstrap replicates of the score."""
    values = pscp_values([{**r, "score": 1.0} for r in rows], seed_w, paper_w)
    out: dict[str, dict[str, float]] = {}
    for form in FORMS:
        out[form] = {}
        for r, v in zip(rows, values, strict=True):
            if (factor := v[form]) is not None:
                out[form][method_of(r)] = factor
    return out


def _ratios(x: np.ndarray, top: np.ndarray) -> np.ndarray:
    """`_ratio` per replicate (0 where the maximum is 0)."""
    return np.where(top > 0, x / np.where(top > 0, top, 1.0), 0.0)


def factor_replicates(
    rows: Sequence[Figures],
    latency_replicates: Mapping[str, np.ndarray],
    forgetting_replicates: Mapping[str, np.ndarray],
    seed_w: PscpSeedSettings,
    paper_w: PscpPaperSettings,
) -> dict[str, dict[str, np.ndarray]]:
    """{form: {method: PSCP with S = 1, per replicate}} for the contestants of `rows`.

    Two costs are measurements with noise: L (the slowdown's: `latency_replicates[method]` in
    ms/token) and R (the retention interval's: `forgetting_replicates[method]`, points lost, >=
    0); a row without replicates keeps its point value. Each replicate recomputes Lmax and Rmax
    over the contestants, exactly as `add_pscp` does for the point value, so a PSCP gap that only
    the latency's or the forgetting's noise makes is inside the noise (scoring.best_set)."""
    ranked = [r for r in rows if not r.get("baseline")]
    if not ranked:
        return {"pscp": {}, "pscp_paper": {}}
    sizes = [len(v) for v in (*latency_replicates.values(), *forgetting_replicates.values())]
    n = max(sizes, default=1)
    dropped = left_out(ranked)
    if "latency_ms_per_token" in dropped:  # a term left out has no noise to resample either
        latency_replicates = {}

    def per_rep(reps: Mapping[str, np.ndarray], r: Figures, point: float) -> np.ndarray:
        return np.broadcast_to(np.asarray(reps.get(method_of(r), point), dtype=float), (n,))

    lat = {
        method_of(r): per_rep(latency_replicates, r, _term(r, "latency_ms_per_token", dropped))
        for r in ranked
    }
    lost = {method_of(r): per_rep(forgetting_replicates, r, forgetting(r)) for r in ranked}
    p_max, m_max, _ = _maxima(ranked)
    l_max = np.max(np.stack(list(lat.values())), axis=0)
    f_max = np.max(np.stack(list(lost.values())), axis=0)
    seed: dict[str, np.ndarray] = {}
    paper: dict[str, np.ndarray] = {}
    for r in ranked:
        m = method_of(r)
        params, mem = _figure(r, "trainable_params"), _figure(r, "peak_train_mem_mb")
        fixed = seed_w.a * _ratio(params, p_max)
        fixed += seed_w.g * _ratio(mem, m_max)
        noisy = seed_w.b * _ratios(lat[m], l_max) + seed_w.r * _ratios(lost[m], f_max)
        seed[m] = np.exp(-(fixed + noisy))
        paper[m] = (
            pscp_paper(1.0, params, _term(r, "extra_tflops", dropped), mem / 1024, paper_w)
            * (1 + lost[m] / paper_w.cr) ** -paper_w.br
        )
    return {"pscp": seed, "pscp_paper": paper}
