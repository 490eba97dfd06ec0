"""Lower layers never import upper ones (also not inside a function): each rule names a package
and the packages it must not import. Read from the source, so a violation fails without running.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "peftbench"

BASE = ("errors", "registry", "quiet", "cache", "sandbox", "_sandbox_child")
CORE = ("datasets", "metrics", "models", "methods")
RUNNING = (
    "training",
    "evaluation",
    "efficiency",
    "stability",
    "pipeline",
    "selection",
    "cell",
    "tuning",
    "grid",
)
CELLS = ("backends", "prepare", "preflight", "model_preflight", "tuned_rates")
# records' readers above results/: other tools' result files, experiment trackers
RECORDS = ("results", "interop", "trackers")
OUTPUT = ("board", "reports", "listing", "method_listing", "community", "cli", "__main__")
ABOVE_BASE = ("config", "suite", *CORE, *RUNNING, *CELLS, "scoring", *RECORDS, *OUTPUT)
# what the reports (and the board below them) may not import: listings, the CLI, running cells
ABOVE_REPORTS = (
    "community",
    "listing",
    "method_listing",
    "cli",
    "pipeline",
    "grid",
    "backends",
    "training",
)

# package (or module) -> what it must not import; every module falls under one rule (a test
# below checks it), the most specific one. Layers bottom up (docs/architecture.md): base,
# settings (config), building blocks (CORE), suite (names checked against the registries,
# the grid expanded), running, cells, records (results), output, command (cli).
RULES: dict[str, tuple[str, ...]] = {
    "": ABOVE_BASE,  # the package's __init__ imports nothing
    **{name: ABOVE_BASE for name in BASE},
    "config.schema": ("suite", *CORE, *RUNNING, *CELLS, "scoring", *RECORDS, *OUTPUT),
    "config.checks": ("suite", *CORE, *RUNNING, *CELLS, "scoring", *RECORDS, *OUTPUT),
    # settings only: names are checked against the registries one layer up, in `suite`
    "config": ("suite", *CORE, *RUNNING, *CELLS, "scoring", *RECORDS, *OUTPUT),
    "datasets": ("suite", *RUNNING, *CELLS, "scoring", *RECORDS, *OUTPUT),
    "metrics": ("suite", *RUNNING, *CELLS, "scoring", *RECORDS, *OUTPUT),
    "models": ("suite", *RUNNING, *CELLS, "scoring", *RECORDS, *OUTPUT),
    "methods": (
        "suite",
        "evaluation",
        "stability",
        "pipeline",
        "selection",
        "tuning",
        "grid",
        *CELLS,
        "scoring",
        *RECORDS,
        *OUTPUT,
    ),
    "suite": (*RUNNING, *CELLS, "scoring", *RECORDS, *OUTPUT),
    "evaluation": (
        "training",
        "stability",
        "pipeline",
        "selection",
        "tuning",
        "grid",
        *CELLS,
        *RECORDS,
        *OUTPUT,
    ),
    "training": (
        "evaluation",
        "stability",
        "pipeline",
        "selection",
        "tuning",
        "grid",
        *CELLS,
        *RECORDS,
        *OUTPUT,
    ),
    "efficiency": (
        "stability",
        "pipeline",
        "selection",
        "tuning",
        "grid",
        *CELLS,
        *RECORDS,
        *OUTPUT,
    ),
    "stability": ("training", "pipeline", "selection", "tuning", "grid", *CELLS, *RECORDS, *OUTPUT),
    "scoring": ("suite", *RUNNING, *CELLS, *RECORDS, *OUTPUT),
    "results": (
        "suite",
        "pipeline",
        "selection",
        "tuning",
        "grid",
        *CELLS,
        "interop",
        "trackers",
        *OUTPUT,
    ),
    # other tools' result files in and out: records only, never the runner or the output layer
    "interop": (
        "suite",
        "pipeline",
        "selection",
        "tuning",
        "grid",
        *CELLS,
        "training",
        "trackers",
        *OUTPUT,
    ),
    # experiment trackers read committed records (results) and log them; the cells call them
    "trackers": (
        "suite",
        "pipeline",
        "selection",
        "tuning",
        "grid",
        *CELLS,
        "training",
        "evaluation",
        "interop",
        *OUTPUT,
    ),
    "pipeline": ("selection", "cell", *CELLS, *OUTPUT),
    "selection": ("cell", "tuning", "grid", *CELLS, *OUTPUT),
    "cell": ("tuning", "grid", *CELLS, *OUTPUT),
    "tuning": ("backends", *OUTPUT),
    "tuned_rates": ("suite", *CORE, *RUNNING, "backends", "prepare", "preflight", *OUTPUT),
    "grid": OUTPUT,
    "backends": OUTPUT,
    "model_preflight": (
        "pipeline",
        "selection",
        "tuning",
        "grid",
        "backends",
        "prepare",
        "preflight",
        *OUTPUT,
    ),
    "preflight": ("pipeline", "selection", "tuning", "grid", "prepare", *OUTPUT),
    "prepare": ("pipeline", "selection", "tuning", "grid", "backends", *OUTPUT),
    # the board is built from records (below the reports that render it); neither runs anything
    "board": ("reports", *ABOVE_REPORTS),
    "reports": ABOVE_REPORTS,
    # the community board reads records and renders with board/ and reports/; runs nothing
    "community": (
        "cli",
        "__main__",
        "pipeline",
        "selection",
        "tuning",
        "grid",
        "backends",
        "training",
        "evaluation",
    ),
    "listing": ("cli", "__main__"),
    "method_listing": ("listing", "cli", "__main__"),
    "cli": ("__main__",),  # the command layer may import every layer below it
    "__main__": (),
}


# Leaf utilities any layer may use (they import nothing of peftbench but `errors`).
# the one atomic file writer; the one reader of untrusted files; the one warning silencer;
# the JSON types
LEAVES = {"results.atomic", "results.safe_read", "quiet", "json_types"}


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
    return module == package or (bool(package) and module.startswith(package + "."))


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


@pytest.mark.parametrize("path", MODULES, ids=[_module_name(p) for p in MODULES])
def test_every_module_has_a_layer(path: Path) -> None:
    module = _module_name(path)
    assert module in LEAVES or _rule_for(module) is not None, f"{module} has no rule in RULES"


def _circles() -> list[list[str]]:
    """Groups of modules that import one another, directly or round a loop (at any depth in a
    module, as `_imports` reads them; importing a submodule is not importing its package)."""
    names = {_module_name(p): p for p in MODULES}
    graph = {m: {i for i in _imports(p) if i in names and i != m} for m, p in names.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while (w := stack.pop()) != v:
                group.append(w)
            if group:
                found.append(sorted([v, *group]))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_circles() -> None:
    assert _circles() == []


def test_the_circle_check_finds_a_circle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.py").write_text("from peftbench.b import x\n")
    (tmp_path / "b.py").write_text("def f():\n    from peftbench.a import y\n")
    monkeypatch.setattr(sys.modules[__name__], "SRC", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "MODULES", sorted(tmp_path.glob("*.py")))
    assert _circles() == [["a", "b"]]
