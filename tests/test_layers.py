"""Lower layers never import upper ones (also not inside a function): each rule names a package
and the packages it must not import. Read from the source, so a violation fails without running.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "peftbench"

CORE = ("datasets", "metrics", "models", "methods")
RUNNING = (
    "training",
    "evaluation",
    "efficiency",
    "pipeline",
    "selection",
    "tuning",
    "grid",
    "backends",
)
OUTPUT = ("board", "reports", "listing", "community", "cli")

# package (or module) -> what it must not import
RULES: dict[str, tuple[str, ...]] = {
    "errors": ("config", *CORE, *RUNNING, "results", *OUTPUT),
    "registry": ("config", *CORE, *RUNNING, "results", *OUTPUT),
    "config.schema": (*CORE, *RUNNING, "results", *OUTPUT),
    "config.checks": (*CORE, *RUNNING, "results", *OUTPUT),
    "config": ("backends", *RUNNING, "results", *OUTPUT),
    "datasets": (*RUNNING, "results", *OUTPUT),
    "metrics": (*RUNNING, "results", *OUTPUT),
    "models": (*RUNNING, "results", *OUTPUT),
    "methods": ("evaluation", "pipeline", "tuning", "grid", "backends", "results", *OUTPUT),
    "evaluation": ("training", "pipeline", "tuning", "grid", "backends", "results", *OUTPUT),
    "training": ("evaluation", "pipeline", "tuning", "grid", "backends", "results", *OUTPUT),
    "efficiency": ("pipeline", "tuning", "grid", "backends", "results", *OUTPUT),
    "scoring": (*RUNNING, "results", *OUTPUT),
    "results": ("pipeline", "tuning", "grid", "backends", "interop", *OUTPUT),
    # other tools' result files in and out: records only, never the runner or the output layer
    "interop": ("pipeline", "tuning", "grid", "backends", "training", *OUTPUT),
    # experiment trackers read committed records (results) and log them; the cells call them
    "trackers": ("pipeline", "tuning", "grid", "backends", "training", "evaluation", *OUTPUT),
    "grid": OUTPUT,
    "pipeline": OUTPUT,
    "selection": OUTPUT,
    "backends": OUTPUT,
    "board": ("reports", "listing", "community", "cli", "pipeline", "grid", "backends", "training"),
    "reports": ("community", "cli", "pipeline", "grid", "backends", "training"),
    # the community board reads records and renders with board/ and reports/; runs nothing
    "community": ("cli", "pipeline", "tuning", "grid", "backends", "training", "evaluation"),
}

# ... and no layer below the trackers imports them
_BELOW_TRACKERS = ("errors", "registry", "config", "config.schema", "config.checks", *CORE)
for _lower in (*_BELOW_TRACKERS, "training", "evaluation", "efficiency", "scoring", "results"):
    RULES[_lower] = (*RULES[_lower], "trackers")


# Leaf utilities any layer may use (they import nothing of peftbench but `errors`).
# the one atomic file writer; the one reader of untrusted files; the one warning silencer
LEAVES = {"results.atomic", "results.safe_read", "quiet"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(p for p in parts if p != "__init__")


def _imports(path: Path) -> set[str]:
    """Every peftbench module `path` imports, at any depth, without the `peftbench.` prefix."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):  # type-only imports (`if TYPE_CHECKING:`) load nothing at run time
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n.removeprefix("peftbench.") for n in names if n.startswith("peftbench.")}
    return found


def _under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _rule_for(module: str) -> tuple[str, tuple[str, ...]] | None:
    """The most specific rule for `module`."""
    matches = [p for p in RULES if _under(module, p)]
    return (best := max(matches, key=len), RULES[best]) if matches else None


MODULES = sorted(SRC.rglob("*.py"))


def test_leaves_are_leaves() -> None:
    for leaf in LEAVES:
        path = SRC / (leaf.replace(".", "/") + ".py")
        assert _imports(path) <= {"errors"}, leaf


@pytest.mark.parametrize("path", MODULES, ids=[_module_name(p) for p in MODULES])
def test_lower_layers_do_not_import_upper_ones(path: Path) -> None:
    module = _module_name(path)
    rule = _rule_for(module)
    if rule is None:
        return
    package, banned = rule
    bad = sorted(
        imp
        for imp in _imports(path) - LEAVES
        for b in banned
        if _under(imp, b) and not _under(imp, package)
    )
    assert not bad, f"{module} ({package} layer) imports {bad}"
