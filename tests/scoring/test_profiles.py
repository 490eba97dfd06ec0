"""PSCP profiles: balanced is today's defaults, and each profile crowns the method that is
cheapest on the cost its deployment pays for (rows in data/profile_rows.json: equal scores, each
method cheapest on one cost)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peftbench.config.schema import PscpSeedSettings, ScoringSettings
from peftbench.errors import UserError
from peftbench.scoring.profiles import PROFILES, get_profile, scoring_for
from peftbench.scoring.pscp import add_pscp

ROWS = json.loads((Path(__file__).parent / "data" / "profile_rows.json").read_text())["rows"]


def top(profile: str, form: str) -> str:
    rows = [dict(r) for r in ROWS]
    scoring = get_profile(profile).apply(ScoringSettings())
    add_pscp(rows, scoring.pscp, scoring.pscp_paper)
    return max(rows, key=lambda r: r[form])["method"]


def test_balanced_is_todays_defaults() -> None:
    assert get_profile("balanced").apply(ScoringSettings()) == ScoringSettings()
    assert scoring_for(ScoringSettings(), None) == ScoringSettings()


@pytest.mark.parametrize("form", ["pscp", "pscp_paper"])
@pytest.mark.parametrize(
    ("profile", "winner"), [("latency", "fast"), ("memory", "lean"), ("storage", "tiny")]
)
def test_each_profile_crowns_the_method_cheapest_on_its_cost(
    profile: str, winner: str, form: str
) -> None:
    assert top(profile, form) == winner


def test_profiles_keep_the_suites_retention_weights() -> None:
    custom = ScoringSettings(pscp=PscpSeedSettings(a=9.0, r=0.7))
    for profile in PROFILES.values():
        applied = profile.apply(custom)
        assert applied.pscp.r == 0.7
        assert applied.pscp_paper.br == custom.pscp_paper.br
        assert applied.pscp.a == profile.seed["a"]


def test_every_profile_says_why() -> None:
    assert {"balanced", "latency", "memory", "storage"} <= set(PROFILES)
    for p in PROFILES.values():
        assert len(p.why) > 60 and p.summary


def test_unknown_profile_suggests_one() -> None:
    with pytest.raises(UserError, match="did you mean 'latency'"):
        get_profile("latncy")
