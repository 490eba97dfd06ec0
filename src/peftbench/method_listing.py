"""The methods table of `peftbench ls methods` (with `--params`, trainable parameters too); CLI
output, so it lives beside `listing`, not among the methods.

Counting trainable parameters means building each method on a model, which imports torch and
peft, so it happens only when asked. The reference model is `tiny-llama` (built in code: Llama
architecture, 2 layers, width 64, no download), the same for every method, so the column
compares methods; it is not the count on a real model (see a run's efficiency record for that).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from peftbench.methods.base import Method
from peftbench.quiet import quiet_libraries

REFERENCE = "tiny-llama"


def origin(method: Method) -> str:
    """`built-in`, or the module a plugin method comes from."""
    module = getattr(method.build, "__module__", "") or ""
    return "built-in" if module.startswith("peftbench.") else f"plugin {module}"


def trainable_on_reference(method: Method) -> str:
    """Trainable parameters of `method`'s preset on the reference model, as table text."""
    import torch

    from peftbench.models.tiny import build_tiny

    if method.needs_gpu and not torch.cuda.is_available():
        return "needs CUDA GPU"
    loaded = build_tiny(REFERENCE.removeprefix("tiny-"))
    base = sum(p.numel() for p in {id(p): p for p in loaded.model.parameters()}.values())
    try:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            model = method.build(loaded.model, loaded, Method.build_params(method.params()))
    except Exception as exc:  # a broken plugin shows as such, the table still prints
        return f"error: {type(exc).__name__}"
    unique = {id(p): p for p in model.parameters() if p.requires_grad}
    n = sum(p.numel() for p in unique.values())
    return f"{n} ({100.0 * n / base:.2f}%)"


def method_table(methods: Iterable[Method], with_params: bool) -> tuple[list[str], list[list[Any]]]:
    head = ["name", "family", "provider", "origin", "mergeable", "lr"]
    if with_params:
        head.append(f"trainable on {REFERENCE}")
        quiet_libraries()
    head.append("description")
    rows = []
    for m in methods:
        row = [
            m.name,
            m.family,
            m.provider,
            origin(m),
            "yes" if m.mergeable else "no",
            str(m.preset.get("learning_rate", "-")),
        ]
        if with_params:
            row.append(trainable_on_reference(m))
        rows.append([*row, m.description])
    return head, rows
