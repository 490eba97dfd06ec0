"""What an experiment tracker is: a name, the library it needs, and one `log` function that
sends one committed run (`RunLog`) to it.

A tracker only ever reads: it is handed a `RunLog` built from the committed, typed record
(`trackers/run_log.py`), after the record is on disk (`cell.run_cell`), so whatever a tracker
does -- fail, hang up, raise -- the record is already written and cannot change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

Param = str | int | float | bool


@dataclass(frozen=True)
class Tracking:
    """What an invocation reports and how its runs are grouped: `report_to` the trackers (the
    suite's setting), `suite` the suite's name (MLflow experiment, W&B group), `invocation`
    when the invocation started (UTC; a tag on every run it logs)."""

    report_to: tuple[str, ...]
    suite: str
    invocation: str


@dataclass(frozen=True)
class RunLog:
    """One committed run, as every tracker logs it.

    `params`: the resolved config (config.json) flattened to dotted keys; `steps`: the figures
    the trainer recorded, by step, in step order (train/loss, train/learning_rate, ..., and the
    learning curve's dev/loss, dev/score); `finals`: every final number (task score and its 95 %
    interval, every metric, every efficiency and stability figure, timings); `tags`: text facts
    (status, device, error). `folder` is the committed run folder (the artifact); `root` the
    results folder (default tracker locations live under it)."""

    run_id: str
    suite: str
    invocation: str
    status: str
    params: dict[str, Param]
    steps: list[tuple[int, dict[str, float]]]
    finals: dict[str, float]
    tags: dict[str, str]
    folder: Path
    root: Path
    notes: list[str] = field(default_factory=list)  # what could not be read, in words


@dataclass(frozen=True)
class Tracker:
    """One experiment tracker. `module`: the Python module it needs (checked before any run);
    `package`: what `pip install` gets it; `log`: sends one run, raising on any failure (the
    caller names it and goes on); `where`: where it logs the runs of results folder `root`, in
    words, printed after a run (reads settings only, never creates anything)."""

    name: str
    module: str
    package: str
    log: Callable[[RunLog], None]
    where: Callable[[Path], str]

    @property
    def install(self) -> str:
        return f"pip install 'peftbench[{self.name}]' (or: pip install {self.package})"
