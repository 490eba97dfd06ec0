"""The methods table of `peftbench ls methods` (with `--params`, trainable parameters too); CLI
output, so it lives beside `listing`, not among the methods.

Counting trainable parameters means building each method on a model, which imports torch and
peft, so it happens only when asked. The reference model is `tiny-llama` (built in code: Llama
architecture, 2 layers, width 64, no download), the same for every method, so the column
compares methods; it is not the count on a real model (see a run's efficiency record for that).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from peftbench.efficiency.meta import base_flops, config_dict, count_method, flops_method
from peftbench.methods.base import METHODS, Method
from peftbench.models.tiny import build_tiny
from peftbench.quiet import quiet_libraries
from peftbench.reports.text_table import fixed_width

REFERENCE = "tiny-llama"


def origin(method: Method) -> str:
    """`built-in`, or the module a plugin method comes from."""
    module = getattr(method.build, "__module__", "") or ""
    return "built-in" if module.startswith("peftbench.") else f"plugin {module}"


def trainable_on_reference(method: Method) -> str:
    """Trainable parameters of `method`'s preset on the reference model, as table text."""
    import torch

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


def method_table(methods: Iterable[Method], with_params: bool) -> tuple[list[str], list[list[str]]]:
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


def _methods_of(suite_ref: str | None) -> tuple[list[tuple[Method, dict[str, object]]], str]:
    """([(method, its parameters)], where they come from): `suite_ref`'s methods under its
    method_params, or every registered method's preset when no suite is given."""

    if suite_ref is None:
        return [(m, m.params()) for m in METHODS], "each method's preset"
    from peftbench.suite import load_suite, method_params_of

    suite = load_suite(suite_ref)
    chosen = [(METHODS.get(n), method_params_of(suite, n)) for n in suite.methods]
    return chosen, f"suite '{suite.name}' (presets + its method_params)"


def meta_counts_table(model_ref: str, suite_ref: str | None) -> str:
    """Each method's trainable / stored / inference parameters on `model_ref`'s architecture,
    built on the meta device (efficiency/meta.py), under `suite_ref`'s method configuration (its
    methods and method_params), or every registered method's preset when no suite is given."""

    quiet_libraries()
    config = config_dict(model_ref)
    chosen, where = _methods_of(suite_ref)
    rows, base = [], None
    for method, params in chosen:
        name = method.name
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

    return title + "\n" + fixed_width(head, rows)


FLOPS_RULES = (
    "matrix products and attention (q@k^T and scores@v over every query-key pair, causal "
    "masking not subtracted), a multiply-add = 2 FLOPs; not counted: embedding lookups, norms, "
    "activations, softmax, rotary embeddings and elementwise adapter work (IA3's scaling, "
    "BitFit's biases)"
)


def meta_flops_table(model_ref: str, suite_ref: str | None, tokens: int) -> str:
    """Forward FLOPs (batch 1 x `tokens`) of the base and each method's deployed form on
    `model_ref`'s architecture, built on the meta device (efficiency/meta.py), methods and
    parameters as in `meta_counts_table`."""

    quiet_libraries()
    config = config_dict(model_ref)
    chosen, where = _methods_of(suite_ref)
    base = base_flops(config, tokens)
    rows = [["(base model)", f"{base:,}", "0", "0.000", "", ""]]
    for method, params in chosen:
        try:
            counts = flops_method(method, params, config, tokens, base)
        except Exception as exc:  # e.g. an init that needs real weights (SVD): shown, not fatal
            rows.append([method.name, f"n/a on meta ({type(exc).__name__})", "", "", "", ""])
            continue
        rows.append(
            [
                method.name,
                f"{counts.deployed:,}",
                f"{counts.extra:,}",
                f"{100.0 * counts.extra / base:.3f}",
                counts.form,
                describe_params(params),
            ]
        )
    title = (
        f"forward FLOPs on {config.get('_name_or_path') or model_ref} at batch 1 x {tokens} "
        f"tokens (meta device, no weights) under {where}\n"
        f"counted: {FLOPS_RULES}; each method as deployed"
    )
    head = ["method", "forward FLOPs", "extra FLOPs", "extra %", "form counted", "configuration"]

    return title + "\n" + fixed_width(head, rows)


def describe_params(params: Mapping[str, object]) -> str:
    """The build settings, short: lists joined by '+', the learning rate left out."""
    parts = []
    for key, value in Method.build_params(params).items():
        if isinstance(value, (list, tuple)):
            value = "+".join(map(str, value))
        parts.append(f"{key}={value}")
    return " ".join(parts)
