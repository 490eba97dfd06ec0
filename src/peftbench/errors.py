"""User-facing errors.

A `UserError` is a problem with the user's input (config, names, paths). The CLI prints it as one
paragraph and exits with code 2, without a traceback unless `--debug` is given.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class UserError(Exception):
    """Bad input: printed as a short paragraph, exit code 2."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if not hint else f"{message}\n  hint: {hint}")


def did_you_mean(name: str, choices: Iterable[str]) -> str | None:
    """A 'did you mean' suggestion for a misspelt name, or None when nothing is close."""
    matches = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.5)
    return f"did you mean '{matches[0]}'?" if matches else None


def unknown_name(kind: str, name: str, choices: Iterable[str]) -> UserError:
    """The one error for an unknown registry name: names the value, suggests, lists choices."""
    choices = sorted(choices)
    hint = did_you_mean(name, choices)
    listing = ", ".join(choices) if len(choices) <= 40 else ", ".join(choices[:40]) + ", ..."
    msg = f"unknown {kind} '{name}'. Known {kind}s: {listing}."
    return UserError(msg, hint or f"run `peftbench ls {kind}s` to see them all")
