"""TensorBoard, for real: event files read back with TensorBoard's own EventAccumulator."""

from __future__ import annotations

import json

from needs import need_module
from tracker_util import OK_RUN, tracking

from peftbench.results.store import ResultsStore
from peftbench.trackers.report import report_run
from peftbench.trackers.run_log import run_log

need_module("tensorboard", "pip install 'peftbench[tensorboard]'", module_level=True)


def test_one_event_folder_per_run_with_steps_finals_and_config(store: ResultsStore) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    assert report_run(store, OK_RUN, tracking("tensorboard")) == []
    folder = store.root / "tensorboard" / OK_RUN
    events = EventAccumulator(str(folder), size_guidance={"scalars": 0, "tensors": 0})
    events.Reload()
    expected = run_log(store.read(OK_RUN), tracking("tensorboard"), store.root)
    want = [(s, f["train/loss"]) for s, f in expected.steps if "train/loss" in f]
    got = [(e.step, e.value) for e in events.Scalars("train/loss")]
    assert [s for s, _ in got] == [s for s, _ in want]
    assert all(abs(a - b) < 1e-6 for (_, a), (_, b) in zip(got, want, strict=True))
    scalars = set(events.Tags()["scalars"])
    assert set(expected.finals) <= scalars
    (score,) = events.Scalars("score")
    assert score.value == 81.25 and score.step == want[-1][0]
    (text,) = events.Tensors("config/text_summary")
    config = text.tensor_proto.string_val[0].decode()
    assert f'"training.max_steps": {expected.params["training.max_steps"]}' in config
    # the HParams tab: the config against the final figures, one row per run
    assert {"_hparams_/experiment", "_hparams_/session_start_info"} <= set(
        events.PluginTagToContent("hparams")
    )
    assert json.loads((store.root / "tracker_log.jsonl").read_text())["ok"] is True
