"""What a timed sample may be: the one bound, used by the record reader and the latency cache.

A timed forward pass (one decode step, one prefill) of any transformer on any device takes more
than a microsecond: one kernel launch or one layer's matmul alone costs several, and
`perf_counter` resolves ~0.1 us. A sample under 1 us (1e-3 ms) is timer noise or tampering
(issue 26: cached samples of 1e-9 ms were copied into a new record as its latency). The ceiling,
one hour per token, is far above any real run and keeps ratios of samples finite.
"""

from __future__ import annotations

import math

MIN_SAMPLE_MS = 1e-3
MAX_SAMPLE_MS = 3.6e6


def plausible_ms(value: object) -> bool:
    """A number of milliseconds one timed step can take."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and MIN_SAMPLE_MS <= value <= MAX_SAMPLE_MS
    )


def bad_samples(values: object) -> str | None:
    """Why `values` is not a list of plausible timed samples (None: it is)."""
    if not isinstance(values, list):
        return f"should be a list of times in ms, found {type(values).__name__}"
    for i, v in enumerate(values):
        if not plausible_ms(v):
            return (
                f"sample {i} is {v!r}; a timed step takes between {MIN_SAMPLE_MS:g} and "
                f"{MAX_SAMPLE_MS:g} ms"
            )
    return None
