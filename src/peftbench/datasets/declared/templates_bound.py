"""Bounded rendering of declared templates: a sandbox that also limits work and size.

Jinja2's sandbox stops escapes to Python internals but not runaway work: nested
`range(99999)` loops run for hours, `'x' * 10**10` or a few `{% set s = s ~ s %}` fill the
memory. Here every render gets a budget:

- `MAX_STEPS` loop iterations plus calls (every `for` loop's iterable is wrapped by a counting
  guard in the template's syntax tree; `range(n)` is charged `n` up front, so nested loops fail
  at the second inner range, not after the first billion iterations);
- `MAX_CHARS` characters for any string made by an operator (`*`, `+`, `%`, `~`), a call or a
  filter, and for the output, streamed and counted chunk by chunk; integer arguments above
  `MAX_CHARS` are refused before the call (`center(10**9)`, `'%999999999s'`);
- `MAX_SECONDS` of wall time, checked at every loop step and call, as the last guard.

Mutating methods (`list.append`) are refused (the immutable sandbox).
"""

from __future__ import annotations

import contextvars
import functools
import re
import time
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, SupportsIndex, TypeVar

MAX_STEPS = 100_000
MAX_CHARS = 100_000
MAX_SECONDS = 5.0
LOOP_GUARD = "peftbench_loop_guard"
CONCAT_GUARD = "peftbench_concat_guard"
_WIDE_FORMAT = re.compile(r"%[-+ #0]*(\*|\d{6,})|%[-+ #0]*\d*\.(\*|\d{6,})")
_WIDE_BRACE = re.compile(r"\{[^{}]*:[^{}]*\d{6,}")  # '{:>999999}'.format(...)
T = TypeVar("T")


if TYPE_CHECKING:  # annotations only: jinja2 is imported when a template is compiled
    from jinja2 import Environment, Template
    from jinja2.runtime import Context


def _check_format(text: object) -> None:
    """A printf- or format-style template with a huge width would allocate before any check."""
    if isinstance(text, str) and (_WIDE_FORMAT.search(text) or _WIDE_BRACE.search(text)):
        raise RenderLimit("a format with a width or precision above 99,999")


class RenderLimit(Exception):
    """A render went past a limit (steps, characters or seconds); the message says which."""


class _Budget:
    def __init__(self) -> None:
        self.steps = 0
        self.start = time.monotonic()

    def charge(self, steps: int) -> None:
        self.steps += steps
        if self.steps > MAX_STEPS:
            raise RenderLimit(f"more than {MAX_STEPS:,} loop steps and calls in one render")
        if time.monotonic() - self.start > MAX_SECONDS:
            raise RenderLimit(f"rendering one row took more than {MAX_SECONDS:g} s")


_BUDGET: contextvars.ContextVar[_Budget] = contextvars.ContextVar("peftbench_template_budget")


def _budget() -> _Budget:
    try:
        return _BUDGET.get()
    except LookupError:  # outside render_bounded: constant folding while compiling
        return _Budget()


def _sized(value: T) -> T:
    """`value`, unless it is a string or a sequence longer than MAX_CHARS."""
    if isinstance(value, (str, list, tuple)) and len(value) > MAX_CHARS:
        raise RenderLimit(f"a value of {len(value):,} items or characters (at most {MAX_CHARS:,})")
    return value


def _check_args(args: Iterable[object]) -> None:
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_CHARS:
            raise RenderLimit(f"the argument {arg:,} is above {MAX_CHARS:,}")


def _loop_guard(iterable: Iterable[T]) -> Iterator[T]:
    budget = _budget()
    for item in iterable:
        budget.charge(1)
        yield item


def _concat_guard(*parts: object) -> str:
    return _sized("".join(map(str, parts)))


def _sized_filter(name: str, func: Callable[..., object]) -> Callable[..., object]:
    @functools.wraps(func)  # keeps jinja's pass_context / pass_environment markers
    def wrapper(*args: object, **kwargs: object) -> object:
        _check_args([*args, *kwargs.values()])
        if name == "format":
            _check_format(next((a for a in args if isinstance(a, str)), None))
        _budget().charge(1)
        return _sized(func(*args, **kwargs))

    return wrapper


@lru_cache(maxsize=1)
def bounded_environment() -> Environment:
    """The one environment for declared templates; also for parsing them, since Jinja folds
    constants (`'x' * 10**10`, `'x'|center(10**10)`) while analysing a template, and only this
    environment refuses to fold those."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range

    class Bounded(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "+", "%", "//"})

        def call_binop(
            self, context: Context, operator: str, left: object, right: object
        ) -> object:
            if operator == "*":
                for a, b in ((left, right), (right, left)):
                    if isinstance(a, (str, list, tuple)) and isinstance(b, int):
                        if len(a) * b > MAX_CHARS:
                            raise RenderLimit(f"'*' would make {len(a) * b:,} characters or items")
            if operator == "**" and isinstance(right, (int, float)):
                bits = left.bit_length() if isinstance(left, int) else 64
                if abs(right) > 64 or bits * abs(right) > 4 * MAX_CHARS:
                    raise RenderLimit(f"'**' with the exponent {right} makes too large a number")
            if operator == "%":
                _check_format(left)
            return _sized(super().call_binop(context, operator, left, right))

        def call(
            __self, __context: Context, __obj: object, *args: object, **kwargs: object
        ) -> object:
            _check_args([*args, *kwargs.values()])
            _check_format(getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None))
            budget = _budget()
            budget.charge(1)
            bounds = [a for a in args if isinstance(a, SupportsIndex)]
            if (__obj is safe_range or __obj is range) and len(bounds) == len(args):
                budget.charge(len(range(*bounds)))  # nested loops fail at the second range
            return _sized(super().call(__context, __obj, *args, **kwargs))

    env = Bounded(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.filters = {name: _sized_filter(name, f) for name, f in env.filters.items()}
    env.globals.pop("lipsum", None)  # text of any length on demand
    env.globals[LOOP_GUARD] = _loop_guard
    env.globals[CONCAT_GUARD] = _concat_guard
    return env


@lru_cache(maxsize=256)
def compile_bounded(text: str) -> Template:
    """The template of `text` with every loop and `~` routed through the guards."""
    from jinja2 import nodes
    from jinja2.visitor import NodeTransformer

    def guard(name: str, args: list[nodes.Expr], lineno: int) -> nodes.Call:
        target = nodes.Name(name, "load", lineno=lineno)
        return nodes.Call(target, args, [], None, None, lineno=lineno)

    class Guarded(NodeTransformer):
        def visit_For(self, node: nodes.For) -> nodes.Node:
            visited = self.generic_visit(node)  # the same node, its children visited
            assert isinstance(visited, nodes.For)
            loop_over = typing.cast(nodes.Expr, visited.iter)  # a For's `iter` is an expression
            visited.iter = guard(LOOP_GUARD, [loop_over], visited.lineno)
            return visited

        def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
            visited = self.generic_visit(node)
            assert isinstance(visited, nodes.Concat)
            return guard(CONCAT_GUARD, list(visited.nodes), visited.lineno)

    env = bounded_environment()
    tree = Guarded().visit(env.parse(text))
    return env.from_string(tree)


def render_bounded(template: Template, row: Mapping[str, object]) -> str:
    """The rendered text, streamed and counted; a RenderLimit past any bound."""
    token = _BUDGET.set(_Budget())
    try:
        out: list[str] = []
        size = 0
        for chunk in template.generate(**row):
            size += len(chunk)
            if size > MAX_CHARS:
                raise RenderLimit(f"the output is longer than {MAX_CHARS:,} characters")
            out.append(chunk)
        return "".join(out)
    finally:
        _BUDGET.reset(token)
