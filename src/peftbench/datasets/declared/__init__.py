"""Datasets declared in YAML instead of Python (a suite's `dataset_defs`, or `--tasks DIR`).

`resolve_all` turns what a user wrote into the pinned form a suite and its runs carry;
`register_all` puts those into the dataset registry, where they behave like any registered
dataset; `check_data` builds their examples up front. See the README for a complete example.
Nothing here is imported until a suite declares a dataset (the registry's discovery imports this
package's `__init__` only, which imports nothing heavy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peftbench.datasets.declared.resolve import check_data, register_all, resolve_all

if TYPE_CHECKING:  # annotations only
    from peftbench.config.schema import RunSpec
    from peftbench.datasets.base import DatasetSpec

__all__ = ["check_data", "dataset_of", "register_all", "resolve_all"]


def dataset_of(spec: RunSpec) -> DatasetSpec:
    """The dataset of a run (`RunSpec`), after registering every declared dataset the run uses
    (its own and its stability tasks): a run's worker process knows declared datasets only
    through the run it is given."""
    from peftbench.datasets.base import DATASETS  # not at import: registry discovery imports us

    register_all(getattr(spec, "dataset_defs", None) or {})
    return DATASETS.get(spec.dataset)
