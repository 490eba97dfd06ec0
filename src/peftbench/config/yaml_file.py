"""Reading the YAML files a user writes (suites, presets): strict, with errors that say where.

Stricter than `yaml.safe_load`: a key given twice in one mapping is an error (PyYAML keeps the
last silently, so a suite could run with a setting its author did not see); a key that is a list
or a mapping (YAML's `? [a, b]` complex key) is refused, since no setting is named that way and
Python cannot hash it; nesting deeper than `MAX_DEPTH` is refused before PyYAML's recursive
composer overflows the stack. A folder, a missing file, bytes that are not UTF-8 and malformed
YAML each get their own message.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path

import yaml

from peftbench.errors import UserError

YAML_HINT = (
    "check indentation (spaces, not tabs), colons, quotes and closing brackets on that line or "
    "the line before"
)

REFUSED_HINT = "write each key once, as a plain name, and nest settings only a few levels deep"

MAX_YAML_BYTES = 16 * 2**20  # far above any suite or presets file
# A suite nests four levels deep (dataset_defs.x.answer.label_words); 64 leaves room for any
# user data while staying far below Python's recursion limit in the composer.
MAX_DEPTH = 64


class _Refused(yaml.MarkedYAMLError):
    pass


class UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping with the same key twice, keys that are not plain
    values, and nesting deeper than `MAX_DEPTH`."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(
                    problem=f"the lists and mappings nest more than {MAX_DEPTH} levels deep",
                    problem_mark=self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(
        self, node: yaml.MappingNode, deep: bool = False
    ) -> dict[Hashable, object]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(
                    problem="a key is a list or a mapping (a YAML complex key, '? [...]'); "
                    "keys must be plain names",
                    problem_mark=key_node.start_mark,
                )
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise _Refused(
                    problem=f"the key '{key}' appears twice in one mapping",
                    problem_mark=key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def loads(text: str) -> object:
    """The parsed YAML (mappings, lists, strings, numbers, booleans, null, timestamps): callers
    check what they read with isinstance."""
    return yaml.load(text, Loader=UniqueKeyLoader)


def read_yaml(path: Path, what: str) -> object:
    """The parsed content of `path`, or a `UserError` naming `what` (e.g. "suite file")."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{what} '{path}' is a folder, not a file", f"give the path of a {what}")
    if path.exists() and not path.is_file():  # a FIFO would hang, /dev/zero fill the memory
        raise UserError(
            f"{what} '{path}' is not a regular file (a device, pipe or socket)",
            f"give the path of a {what}",
        )
    try:
        if path.stat().st_size > MAX_YAML_BYTES:
            raise UserError(
                f"{what} '{path}' is {path.stat().st_size:,} bytes; at most "
                f"{MAX_YAML_BYTES:,} are read",
                f"give the path of a {what}, not a data file",
            )
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise UserError(f"{what} '{path}' does not exist", f"give the path of a {what}") from None
    except UnicodeDecodeError as exc:
        raise UserError(
            f"{what} '{path}' is not UTF-8 text (byte {exc.start} cannot be decoded)",
            "save the file as UTF-8",
        ) from None
    except OSError as exc:
        raise UserError(f"{what} '{path}' cannot be read: {exc.strerror or exc}") from None
    try:
        return loads(text)
    except yaml.YAMLError as exc:
        hint = REFUSED_HINT if isinstance(exc, _Refused) else YAML_HINT
        raise UserError(f"{path} is not valid YAML{yaml_problem(exc)}", hint) from None


def yaml_problem(exc: Exception) -> str:
    """PyYAML's multi-line message as one clause: where, what, and inside what."""
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or (str(exc).strip().splitlines() or [""])[0]
    context = getattr(exc, "context", None)
    return f"{where}: {problem}" + (f" ({context})" if context else "")
