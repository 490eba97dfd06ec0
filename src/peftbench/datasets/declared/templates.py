"""Prompt and answer templates: Jinja2 in a sandbox, with every field checked against the data.

The sandbox refuses attribute access to Python internals (no `__class__` escapes) and runs no
user code; `StrictUndefined` makes a missing field an error instead of an empty string. Which
fields a template uses is read from its syntax tree before any row is rendered, so a misspelt
field fails up front, naming the field and listing the fields the data has.

Rendering is bounded (`templates_bound.py`): loop iterations and calls per render, the size of
every string made and of the output, so a template with nested `range(99999)` loops fails in
milliseconds, even in a dry run, instead of running for minutes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from peftbench.datasets.declared.templates_bound import (
    RenderLimit,
    bounded_environment,
    compile_bounded,
    render_bounded,
)
from peftbench.errors import UserError, did_you_mean

_SINGLE_BRACE = re.compile(r"(?<!\{)\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}(?!\})")


def fields_used(text: str, where: str) -> set[str]:
    """The names a template reads (its undeclared variables); a syntax error is a UserError."""
    from jinja2 import TemplateSyntaxError, meta

    try:
        tree = bounded_environment().parse(text)
    except TemplateSyntaxError as exc:
        raise UserError(
            f"'{where}' is not a valid template: {exc.message} (line {exc.lineno})",
            "write fields as {{ name }}; see the README's declared-dataset example",
        ) from None
    try:
        return set(meta.find_undeclared_variables(tree))
    except RenderLimit as exc:  # a constant the analysis would have computed
        raise UserError(f"'{where}' went past a rendering limit: {exc}") from None


def check_fields(text: str, where: str, available: Iterable[str], plain_ok: bool = False) -> None:
    """Every field the template uses must exist; a template that uses none is suspicious
    (`plain_ok`: unless plain text is its usual form, as for a system prompt)."""
    have = sorted(set(available))
    used = fields_used(text, where)
    for name in sorted(used):
        if name not in have:
            hint = did_you_mean(name, have)
            raise UserError(
                f"'{where}' uses the field '{name}', which the data does not have. "
                f"Fields in the data: {', '.join(have)}",
                hint or "fix the field name, or check that the data file is the right one",
            )
    if not used and not plain_ok:
        single = [m for m in _SINGLE_BRACE.findall(text) if m in have]
        if single:
            raise UserError(
                f"'{where}' uses no field: '{{{single[0]}}}' is literal text in a template",
                f"write fields with double braces: {{{{ {single[0]} }}}}",
            )


def render(text: str, row: Mapping[str, object], where: str) -> str:
    from jinja2 import TemplateError

    try:
        return render_bounded(compile_bounded(text), row)
    except RenderLimit as exc:
        raise UserError(
            f"'{where}' went past a rendering limit: {exc}",
            "a prompt template should only place the row's fields; drop the loops that "
            "build long text",
        ) from None
    except (TemplateError, RecursionError, OverflowError) as exc:
        # undefined field in this row, sandbox refusal, bad filter, deep macro recursion
        raise UserError(
            f"'{where}' could not be rendered for a row: {type(exc).__name__}: {exc}",
            f"fields in that row: {', '.join(sorted(map(str, row)))}",
        ) from None
