"""Prompt and answer templates: Jinja2 in a sandbox, with every field checked against the data.

The sandbox refuses attribute access to Python internals (no `__class__` escapes) and runs no
user code; `StrictUndefined` makes a missing field an error instead of an empty string. Which
fields a template uses is read from its syntax tree before any row is rendered, so a misspelt
field fails up front, naming the field and listing the fields the data has.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from peftbench.errors import UserError, did_you_mean

_SINGLE_BRACE = re.compile(r"(?<!\{)\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}(?!\})")


@lru_cache(maxsize=256)
def _compile(text: str) -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
    )
    return env.from_string(text)


def fields_used(text: str, where: str) -> set[str]:
    """The names a template reads (its undeclared variables); a syntax error is a UserError."""
    from jinja2 import TemplateSyntaxError, meta
    from jinja2.sandbox import SandboxedEnvironment

    try:
        tree = SandboxedEnvironment().parse(text)
    except TemplateSyntaxError as exc:
        raise UserError(
            f"'{where}' is not a valid template: {exc.message} (line {exc.lineno})",
            "write fields as {{ name }}; see the README's declared-dataset example",
        ) from None
    return set(meta.find_undeclared_variables(tree))


def check_fields(text: str, where: str, available: Iterable[str]) -> None:
    """Every field the template uses must exist; a template that uses none is suspicious."""
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
    if not used:
        single = [m for m in _SINGLE_BRACE.findall(text) if m in have]
        if single:
            raise UserError(
                f"'{where}' uses no field: '{{{single[0]}}}' is literal text in a template",
                f"write fields with double braces: {{{{ {single[0]} }}}}",
            )


def render(text: str, row: Mapping[str, Any], where: str) -> str:
    from jinja2 import TemplateError

    try:
        return str(_compile(text).render(**row))
    except TemplateError as exc:  # undefined field in this row, sandbox refusal, bad filter
        raise UserError(
            f"'{where}' could not be rendered for a row: {type(exc).__name__}: {exc}",
            f"fields in that row: {', '.join(sorted(map(str, row)))}",
        ) from None
