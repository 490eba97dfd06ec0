"""The closed choices of the schema match what the code behind them accepts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

import pytest

from peftbench.config.schema import (
    BackendName,
    Dtype,
    Optimizer,
    Precision,
    Scheduler,
    TrackerName,
)
from peftbench.errors import UserError


def test_every_optimizer_and_scheduler_is_one_the_trainer_knows() -> None:
    from transformers.trainer_utils import SchedulerType
    from transformers.training_args import OptimizerNames

    assert set(get_args(Optimizer)) <= {o.value for o in OptimizerNames}
    assert set(get_args(Scheduler)) <= {s.value for s in SchedulerType}


def test_backend_choices_are_the_registered_backends() -> None:
    from peftbench.backends import BACKENDS

    assert set(get_args(BackendName)) == set(BACKENDS)


def test_tracker_choices_are_the_registered_trackers() -> None:
    from peftbench.trackers import TRACKERS

    assert set(get_args(TrackerName)) == set(TRACKERS.names())


def test_dtype_and_precision_choices() -> None:
    from peftbench.models.pretrained import DTYPES
    from peftbench.training.trainer import _use_bf16

    assert DTYPES == get_args(Dtype)
    assert "fp16" not in get_args(Precision)  # not supported: refused, never silently fp32
    assert _use_bf16("bf16") and not _use_bf16("fp32")


def test_a_method_family_outside_the_list_is_refused() -> None:
    from peftbench.methods.base import FAMILIES, Method, register

    @dataclass(frozen=True)
    class Fake:
        name: str = "fake-method"
        family: str = "reparametrised"

    with pytest.raises(UserError) as err:
        register(Fake())  # type: ignore[arg-type]
    assert "did you mean 'reparameterised'" in (err.value.hint or "")
    assert {"baseline", "prompt"} <= set(FAMILIES)
    assert Method.__dataclass_fields__["family"].type == "Family"
