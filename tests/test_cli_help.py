"""Every subcommand's --help ends with a worked example, and the top-level help lists them all."""

from __future__ import annotations

import pytest

from peftbench.cli import SUBCOMMANDS, main


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_each_subcommand_help_has_an_example(name: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([name, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "examples:" in text
    assert f"peftbench {name}" in text.split("examples:")[1]


def test_top_level_help_lists_every_subcommand(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert f"    {name} " in text


def _imported_after(code: str) -> set[str]:
    """Heavy modules loaded by `code` in a fresh interpreter (so nothing this session loaded
    counts)."""
    import subprocess
    import sys

    heavy = "' '.join(m for m in ('numpy', 'torch') if m in sys.modules)"
    probe = f"{code}\nimport sys; print('HEAVY:' + {heavy})"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    line = out.stdout.splitlines()[-1]
    assert line.startswith("HEAVY:"), out.stdout[-2000:]
    return set(line.removeprefix("HEAVY:").split())


@pytest.mark.parametrize(
    "code",
    [
        "import peftbench.cli",
        "from peftbench.cli import build_parser; build_parser()",
        "from peftbench.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass",
        "from peftbench.cli import main\ntry:\n    main(['report', '--help'])\nexcept SystemExit:\n"
        "    pass",
    ],
    ids=["import", "parser", "help", "report-help"],
)
def test_help_imports_neither_numpy_nor_torch(code: str) -> None:
    assert _imported_after(code) == set()


def test_the_probe_sees_numpy() -> None:
    assert _imported_after("import numpy") == {"numpy"}
