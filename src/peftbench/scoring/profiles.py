"""PSCP weight profiles: named answers to "what does my deployment pay for?".

PEFT-Bench leaves the PSCP weights empirical and names domain-specific weighting (latency- vs
memory-sensitive deployments) as open work. A profile fixes the cost weights of both PSCP forms
for one kind of deployment; `--profile NAME` on run, show, report and compare re-scores finished
results with them (scores and costs are measured once; only the weighting changes). The
retention weights (`r`, `cr`, `br`) are not part of a profile: they keep the suite's values.

Why the numbers are what they are (docs/profiles.md has the long form):

Seed form, S * exp(-a P/Pmax - b L/Lmax - g M/Mmax): each ratio is in [0, 1], so a weight w
means "the most expensive method on this cost keeps e^-w of its score": w = 1 -> 37 %, 3 -> 5 %,
0.25 -> 78 %; between two methods, a gap of 0.1 in cost/max becomes a factor e^(-0.1 w): 0.74
for w = 3, 0.90 for w = 1, 0.975 for w = 0.25. A profile puts 3 on the cost its deployment pays
for and 0.25 on the others (they still break ties). Latency L and memory M include the base
model, so their ratios sit close together (a method 10 % slower than the slowest is at 0.9, not
0), which is why their weight must be large to tell methods apart at all.

Paper form, S * (1+P/cp)^-bp * (1+F/cf)^-bf * (1+M/cm)^-bm: the scales c say what counts as
"a lot" and the exponents how hard it is punished. balanced keeps the paper's constants (5e8
parameters, 10 TFLOPs, 94 GB = one H100 NVL). latency sets cf = 1 TFLOP (about 12 % of an 8B
model's 8.2 TFLOPs forward over 512 tokens), memory sets cm = 16 GB (a T4 / V100-16GB class
card), storage sets cp = 1e7 parameters (40 MB in fp32 per adapter: a thousand adapters are
40 GB). The costs a profile does not care about get exponent 0.5 instead of 2.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypedDict

from peftbench.config.schema import PscpPaperSettings, PscpSeedSettings, ScoringSettings
from peftbench.errors import UserError, did_you_mean

if TYPE_CHECKING:  # scoring.pscp imports numpy, which `peftbench --help` must not (via PROFILES)
    from peftbench.scoring.pscp import Figures, Form, Pscp

SEED_KEYS = ("a", "b", "g")
PAPER_KEYS = ("cp", "cf", "cm", "bp", "bf", "bm")


@dataclass(frozen=True)
class Profile:
    name: str
    summary: str  # who it is for, one line
    seed: Mapping[str, float]  # a, b, g of the seed form
    paper: Mapping[str, float]  # cp, cf, cm, bp, bf, bm of the paper form
    why: str  # the reasoning behind the numbers

    def apply(self, scoring: ScoringSettings) -> ScoringSettings:
        """`scoring` with this profile's cost weights (retention weights kept)."""
        return dataclasses.replace(
            scoring,
            pscp=dataclasses.replace(scoring.pscp, **self.seed),
            pscp_paper=dataclasses.replace(scoring.pscp_paper, **self.paper),
        )

    def weights(self) -> dict[str, dict[str, float]]:
        return {"pscp": dict(self.seed), "pscp_paper": dict(self.paper)}


def _defaults(cls: type, keys: tuple[str, ...]) -> dict[str, float]:
    made = cls()
    return {k: float(getattr(made, k)) for k in keys}


_PAPER = _defaults(PscpPaperSettings, PAPER_KEYS)
Cost = Literal["parameters", "latency", "memory"]
# each cost's keys: (seed-form weight, paper-form scale, paper-form exponent)
_COST_KEYS: dict[Cost, tuple[str, str, str]] = {
    "parameters": ("a", "cp", "bp"),
    "latency": ("b", "cf", "bf"),
    "memory": ("g", "cm", "bm"),
}
_PAID, _OTHERS = 3.0, 0.25  # seed-form weights of the cost a deployment pays for / the rest
_PAID_EXP, _OTHERS_EXP = 2.0, 0.5  # paper-form exponents of the same


def _paying_for(cost: Cost, scale: float, name: str, summary: str, why: str) -> Profile:
    """A profile for a deployment that pays for one `cost`: every profile but `balanced` has the
    same shape (module docstring), so only the cost, its paper-form scale and the words differ."""
    weight, scale_key, exponent = _COST_KEYS[cost]
    seed = {k: _PAID if k == weight else _OTHERS for k in SEED_KEYS}
    exponents = {e: _PAID_EXP if e == exponent else _OTHERS_EXP for _, _, e in _COST_KEYS.values()}
    return Profile(name, summary, seed, {**_PAPER, scale_key: scale, **exponents}, why)


PROFILES: Mapping[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "balanced",
            "no single cost dominates (today's defaults)",
            _defaults(PscpSeedSettings, SEED_KEYS),
            _PAPER,
            "the seed paper's a = b = g = 1 and PEFT-Bench's constants and exponents 2: every "
            "cost counts the same; the leaderboard's default",
        ),
        _paying_for(
            "latency",
            1.0,
            "latency",
            "serving: tokens per second per request matter most",
            "inference cost is paid on every request, training once: b = 3 makes 10 % more "
            "latency cost 26 % of PSCP (b = 1: 10 %); the paper form counts extra inference "
            "FLOPs against 1 TFLOP (~12 % of an 8B forward over 512 tokens) instead of 10",
        ),
        _paying_for(
            "memory",
            16.0,
            "memory",
            "training on small GPUs: peak training memory decides what fits",
            "a method that does not fit cannot be used at all: g = 3 makes 10 % more peak "
            "training memory cost 26 % of PSCP; the paper form measures memory against a "
            "16 GB card instead of a 94 GB H100",
        ),
        _paying_for(
            "parameters",
            1e7,
            "storage",
            "many adapters on disk or on edge devices: adapter size matters most",
            "adapter bytes grow with trainable parameters and are paid once per task or user: "
            "a = 3 leaves the largest adapter 5 % of a zero-size one's PSCP; the paper form "
            "counts parameters against 1e7 (40 MB in fp32) instead of 5e8",
        ),
    )
}

DEFAULT = "balanced"


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        hint = did_you_mean(name, PROFILES) or f"choose one of {', '.join(PROFILES)}"
        raise UserError(
            f"unknown profile '{name}'. Profiles: {', '.join(PROFILES)}", hint
        ) from None


def scoring_for(scoring: ScoringSettings, profile: str | None) -> ScoringSettings:
    """The suite's scoring, or the named profile's weights over it."""
    return scoring if profile is None else get_profile(profile).apply(scoring)


class Described(TypedDict):
    name: str
    summary: str
    why: str
    pscp: dict[str, float]
    pscp_paper: dict[str, float]


def describe() -> list[Described]:
    """Every profile with its weights and reasons (for reports and `ls`)."""
    return [
        {
            "name": p.name,
            "summary": p.summary,
            "why": p.why,
            "pscp": dict(p.seed),
            "pscp_paper": dict(p.paper),
        }
        for p in PROFILES.values()
    ]


def matching_profile(scoring: ScoringSettings) -> str | None:
    """The profile whose cost weights `scoring` has, or None (custom weights)."""
    for p in PROFILES.values():
        if p.apply(scoring) == scoring:
            return p.name
    return None


def tops(
    rows: Sequence[Figures],
    scoring: ScoringSettings,
    contestant: Callable[[Figures], bool] | None = None,
) -> dict[str, dict[str, dict[Form, str | None]]]:
    """model -> profile -> {"pscp": top method, "pscp_paper": top method}: every profile's
    weights over the same rows (maxima over the model's rows, as on the leaderboard).
    `contestant(row)`: which rows may win (baselines are references, not contestants)."""
    from peftbench.scoring.pscp import FORMS, method_of, pscp_values  # numpy: not for --help

    out: dict[str, dict[str, dict[Form, str | None]]] = {}
    for model in sorted({str(r["model"]) for r in rows}):
        mine = [r for r in rows if r["model"] == model]
        out[model] = {}
        for p in PROFILES.values():
            weights = p.apply(scoring)
            values = pscp_values(mine, weights.pscp, weights.pscp_paper)
            ranked = [
                (method_of(r), v)
                for r, v in zip(mine, values, strict=True)
                if contestant is None or contestant(r)
            ]
            out[model][p.name] = {form: _top(ranked, form) for form in FORMS}
    return out


def _top(rows: Sequence[tuple[str, Pscp]], form: Form) -> str | None:
    """The method with the highest `form` PSCP (rows without one are not contestants)."""
    scored = [(method, value) for method, v in rows if (value := v[form]) is not None]
    return max(scored, key=lambda s: s[1])[0] if scored else None
