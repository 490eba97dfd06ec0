"""What a backend gets besides the runs: the suite's per-run resource request and where to run.

Kept apart from the backends so that none of them imports another to learn its settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from peftbench.config.schema import ResourceSettings
from peftbench.trackers.base import Tracking


@dataclass(frozen=True)
class BackendOptions:
    resources: ResourceSettings = field(default_factory=ResourceSettings)
    address: str | None = None  # Ray cluster to join ("auto", "HOST:6379"); None: start one here
    tracking: Tracking | None = None  # experiment trackers each committed run is logged to
