"""Log one committed run to the suite's trackers; a tracker's failure never fails the run.

Called after the record is committed (`cell.run_cell`; the Ray backend on the driver, where
records are committed), with the record read back from disk: a tracker sees the record exactly
as the results folder holds it and cannot change it. Whatever goes wrong -- a library that
raises, a store that cannot be written, a server that is gone -- is one warning line on stderr
and one line in `<out>/tracker_log.jsonl` (every outcome, ok or failed, is written there), and
the run stays complete: a later `peftbench run` skips it like any other.
"""

from __future__ import annotations

import json
import sys
import time
from typing import TypedDict

from peftbench.results.store import ResultsStore
from peftbench.trackers import TRACKERS
from peftbench.trackers.base import RunLog, Tracking

LOG = "tracker_log.jsonl"


class Outcome(TypedDict):
    """One line of tracker_log.jsonl: whether `tracker` logged `run_id`, and when."""

    run_id: str
    tracker: str
    ok: bool
    error: str | None
    at: str


def report_run(store: ResultsStore, run_id: str, tracking: Tracking | None) -> list[str]:
    """Log `run_id`'s committed record to every tracker of `tracking`; returns the failures, in
    words (also warned and written to tracker_log.jsonl). Never raises an Exception."""
    if tracking is None or not tracking.report_to:
        return []
    outcomes: list[Outcome] = []
    try:
        run = _read(store, run_id, tracking)
    except Exception as exc:  # an unreadable record: no tracker can log it
        why = f"the record could not be read back: {type(exc).__name__}: {exc}"
        outcomes = [_outcome(run_id, name, why) for name in tracking.report_to]
    else:
        for name in tracking.report_to:
            outcomes.append(_outcome(run_id, name, _send(name, run)))
    failures = [f"{o['tracker']}: {o['error']}" for o in outcomes if o["error"]]
    for failure in failures:
        warning = f"warning: run {run_id} was not logged to {failure} (its record is safe)"
        print(warning, file=sys.stderr)
    _note(store, outcomes)
    return failures


def _read(store: ResultsStore, run_id: str, tracking: Tracking) -> RunLog:
    from peftbench.trackers.run_log import run_log

    record = store.read(run_id)
    if record.state == "damaged":  # nothing trustworthy to log (e.g. a worker killed mid-write)
        raise ValueError(record.error)
    return run_log(record, tracking, store.root)


def _send(name: str, run: RunLog) -> str | None:
    """None when `name` logged the run, else why not."""
    try:
        TRACKERS.get(name).log(run)
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [""])[0]
        return f"{type(exc).__name__}: {first}"[:2000]
    return None


def _outcome(run_id: str, tracker: str, error: str | None) -> Outcome:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {"run_id": run_id, "tracker": tracker, "ok": error is None, "error": error, "at": stamp}


def _note(store: ResultsStore, outcomes: list[Outcome]) -> None:
    """Append the outcomes to tracker_log.jsonl (under the store's lock: several workers may
    finish at once); a folder that cannot take the note only loses the note."""
    text = "".join(json.dumps(o, sort_keys=True) + "\n" for o in outcomes)
    try:
        with store.lock(), open(store.root / LOG, "a", encoding="utf-8") as fh:
            fh.write(text)
    except Exception as exc:
        print(f"warning: could not write {store.root / LOG}: {exc}", file=sys.stderr)
