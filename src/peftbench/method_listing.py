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


def meta_counts_table(model_ref: str, suite_ref: str | None) -> str:
    """Each method's trainable / stored / inference parameters on `model_ref`'s architecture,
    built on the meta device (efficiency/meta.py), under `suite_ref`'s method configuration (its
    methods and method_params), or every registered method's preset when no suite is given."""
    from peftbench.efficiency.meta import config_dict, count_method
    from peftbench.methods.base import METHODS

    quiet_libraries()
    config = config_dict(model_ref)
    if suite_ref is None:
        names, where = [m.name for m in METHODS], "each method's preset"
    else:
        from peftbench.config.loader import load_suite, method_params_of

        suite = load_suite(suite_ref)
        names = list(suite.methods)
        where = f"suite '{suite.name}' (presets + its method_params)"
    rows, base = [], None
    for name in names:
        method = METHODS.get(name)
        params = method.params() if suite_ref is None else method_params_of(suite, name)
        try:
            counts = count_method(method, params, config)
        except Exception as exc:  # e.g. an init that needs real weights (SVD): shown, not fatal
            rows.append([name, f"n/a on meta ({type(exc).__name__})", "", "", "", ""])
            continue
        base = counts.base
        rows.append(
            [
                name,
                f"{counts.trainable:,}",
                f"{100.0 * counts.trainable / counts.base:.4f}",
                f"{counts.stored:,}",
                f"{counts.inference:,}",
                describe_params(params),
            ]
        )
    title = (
        f"parameters on {config.get('_name_or_path') or model_ref} (meta device, no weights; "
        f"base {'n/a' if base is None else f'{base:,}'} parameters) under {where}\n"
        "trainable: updated by training; stored: in the saved adapter; inference: added to the "
        "base by the deployed adapter (unmerged)"
    )
    head = ["method", "trainable", "% of base", "stored", "inference", "configuration"]
    from peftbench.reports.text_table import fixed_width as _table  # not via listing: no circle

    return title + "\n" + _table(head, rows)


def describe_params(params: dict[str, Any]) -> str:
    """The build settings, short: lists joined by '+', the learning rate left out."""
    parts = []
    for key, value in Method.build_params(params).items():
        if isinstance(value, (list, tuple)):
            value = "+".join(map(str, value))
        parts.append(f"{key}={value}")
    return " ".join(parts)
