"""One escaping helper per output medium, for every string a record can hold (a method or
dataset name, an error message, a file name, a note): a record is data, and data never becomes
terminal control sequences, Markdown links or HTML, LaTeX commands or HTML tags.

The renderers apply these to every cell and line they write (reports/formats/, the text
leaderboard); our own text passes through unchanged, so escaping everything costs nothing.
"""

from __future__ import annotations

import html as _html
import re

# C0 controls (ESC starts ANSI sequences), DEL, C1 controls (CSI), and the invisible Unicode
# format characters that reorder or hide text (bidi overrides, zero-width).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def terminal(text: str) -> str:
    """Control and invisible characters shown as a visible code (ESC -> '\\x1b'), so printing a
    record can neither move the cursor, recolour, clear the screen nor hide text."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def terminal_lines(text: str) -> str:
    """`terminal` on each line of a multi-line text we wrote (its line breaks are ours)."""
    return "\n".join(terminal(line) for line in str(text).split("\n"))


# (a backtick opens at most a code span, which is inert, and a pipe inside one is escaped)
_MARKDOWN = {"\\": "\\\\", "|": "\\|", "<": "&lt;", ">": "&gt;", "&": "&amp;"}


def markdown(text: str) -> str:
    """Terminal-safe, then Markdown-inert: no table break (|), no HTML tag or autolink (<, >), no
    entity (&), no inline link or image ('](')."""
    out = "".join(_MARKDOWN.get(ch, ch) for ch in terminal(text))
    return out.replace("](", "\\](")


_LATEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex(text: str) -> str:
    """Terminal-safe, then every LaTeX special character as its literal form."""
    out = "".join(_LATEX.get(ch, ch) for ch in terminal(text))
    return out.replace("±", r"$\pm$")


def html(text: str) -> str:
    """For text placed in HTML outside the template (whose autoescape covers the rest): <, >,
    &, and both quotes as entities, control characters visible."""
    return _html.escape(terminal(text), quote=True)
