"""The documentation's examples run (issue 26): every shell command in a code block of README.md
and docs/*.md, every YAML and Python block, every `peftbench run|ls|prepare` in the prose (a
synopsis with placeholders such as SUITE is not a command), and every file under examples/.

How each is checked (the same commands a reader types, in a scratch folder):
- `peftbench run ...`: with `--dry-run` (validates everything, runs nothing; real runs take
  minutes to hours); `peftbench ls|prepare|show|report|compare ...`: for real; the last three
  read a results folder made by running the declared example for real on the tiny model, copied
  to every `results/<name>` the docs use; `<run_id>` is one of its runs. `peftbench` and
  `python` are this interpreter.
- `pip install 'peftbench[X]'`: the extra X exists in pyproject.toml (no network in tests);
  `make TARGET`: `make -n TARGET` (the target exists and its recipe expands; nothing runs).
- A YAML block whose first line is `# PATH.yaml` is that file: under examples/ it must hold
  exactly the same settings as the shipped file; elsewhere it is written to PATH in the scratch
  folder for the commands after it (README's `my-suite.yaml`). Any other YAML block is a piece of
  a suite, validated on top of the smoke suite. A Python block is a plugin: `--plugins` loads it
  and a dry run uses its method.
- examples/: every suite runs for real on the tiny model (`--set models=[tiny-llama]`, marked
  slow) and every other file under examples/ is used by one of them.

A command that cannot run here says so in its block, as a trailing `# needs: REASON` or a
comment line `# needs: REASON` that covers the commands after it up to a blank line (Docker, a
GPU, a cluster). Such commands are not run, and tests/data/docs/not_run.yaml must list each with its
reason: a new one cannot go unnoticed, and pytest reports every one as skipped with its reason.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from needs import missing

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLES = ROOT / "examples"
NOT_RUN = Path(__file__).parent / "data" / "docs" / "not_run.yaml"
SHELL = {"bash", "sh", "shell", "console"}
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
NEEDS = re.compile(r"#.*\bneeds: (.+)$")
# `peftbench run|ls` in the prose; a synopsis (SUITE, DIR, `...`, `|`, `[--x]`) is not a command
INLINE = re.compile(r"`(peftbench (?:(?:run|prepare) \S[^`]*|ls\b[^`]*)|peftbench --help)`")
PLACEHOLDER = re.compile(r"\b[A-Z]{2,}\b|\.\.\.|\||\[--|<")
RESULTS = ("default", "mine", "smoke", "new", "old", "baseline")  # results/<name> in the docs
TIMEOUT = 900  # bounds a hang only


@dataclass(frozen=True)
class Block:
    where: str  # file:line
    lang: str
    text: str


@dataclass(frozen=True)
class Command:
    where: str
    line: str
    needs: str | None  # why it is not run here, or None

    def __str__(self) -> str:
        return f"{self.where}: {self.line}"


def blocks() -> list[Block]:
    found = []
    for doc in DOCS:
        text = doc.read_text()
        for m in FENCE.finditer(text):
            line = text[: m.start()].count("\n") + 1
            found.append(Block(f"{doc.relative_to(ROOT)}:{line}", m.group(1), m.group(2)))
    return found


def _split_comment(line: str) -> tuple[str, str]:
    """(command, comment): the comment starts at the first `#` after a space, outside quotes."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].strip(), line[i:]
    return line.strip(), ""


def shell_commands(block: Block) -> list[Command]:
    commands, block_needs = [], None
    for raw in block.text.replace("\\\n", " ").splitlines():
        line, comment = _split_comment(raw)
        needs = NEEDS.search(comment)
        if not raw.strip():  # a blank line ends what a `# needs:` line covers
            block_needs = None
        if not line:  # a comment line: `# needs: ...` covers the commands after it
            block_needs = needs.group(1).strip() if needs else block_needs
            continue
        reason = needs.group(1).strip() if needs else block_needs
        commands.append(Command(block.where, re.sub(r"\s+", " ", line), reason))
    return commands


def inline_commands() -> list[Command]:
    found = []
    for doc in DOCS:
        text = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), doc.read_text())
        for m in INLINE.finditer(text):
            if not PLACEHOLDER.search(m.group(1)):
                line = text[: m.start()].count("\n") + 1
                command = re.sub(r"\s+", " ", m.group(1))
                found.append(Command(f"{doc.relative_to(ROOT)}:{line}", command, None))
    return found


def all_commands() -> list[Command]:
    """Each distinct command once (the first place it appears)."""
    fenced = [c for b in blocks() if b.lang in SHELL for c in shell_commands(b)]
    first: dict[str, Command] = {}
    for command in fenced + inline_commands():
        first.setdefault(command.line, command)
    return list(first.values())


def _peftbench(workspace: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{workspace / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["peftbench", *args], cwd=workspace, env=env, capture_output=True, text=True,
        timeout=TIMEOUT,
    )  # fmt: skip


def _shell(workspace: Path, line: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{workspace / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    env["PYTHONWARNINGS"] = "ignore"
    return subprocess.run(
        ["bash", "-c", line], cwd=cwd or workspace, env=env, capture_output=True, text=True,
        timeout=TIMEOUT,
    )  # fmt: skip


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch folder where `peftbench` and `python` are this interpreter, with the files the
    docs' YAML blocks name (`# my-suite.yaml`) and the Python block as a plugin."""
    root = tmp_path_factory.mktemp("docs")
    (root / "bin").mkdir()
    (root / "tests").symlink_to(ROOT / "tests")  # commands that read the shipped test data
    for name, run in (("peftbench", "-m peftbench"), ("python", "")):
        script = root / "bin" / name
        script.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} {run} "$@"\n')
        script.chmod(0o755)
    for block in blocks():
        target = _file_of(block)
        if block.lang == "yaml" and target and not target.startswith("examples/"):
            (root / target).write_text(block.text)
        if block.lang == "python" and "register(" in block.text:
            (root / "plugins").mkdir(exist_ok=True)
            (root / "plugins" / "doc_plugin.py").write_text(block.text)
    return root


@pytest.fixture(scope="module")
def example_runs(workspace: Path) -> dict[Path, Path]:
    """Every example suite run for real on the tiny model: suite -> its results folder."""
    outs = {}
    for suite in _example_suites():
        out = workspace / "examples-out" / suite.stem
        proc = _peftbench(workspace, "run", str(suite), "--set", "models=[tiny-llama]",
                          "--out", str(out), "--no-progress")  # fmt: skip
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
        outs[suite] = out
    return outs


@pytest.fixture(scope="module")
def results(workspace: Path, example_runs: dict[Path, Path]) -> Path:
    """The declared example's results as every results/<name> the docs read (show, report,
    compare)."""
    source = example_runs[EXAMPLES / "declared" / "my-data.yaml"]
    for name in RESULTS:
        shutil.copytree(source, workspace / "results" / name)
    return workspace / "results" / RESULTS[0]


def _file_of(block: Block) -> str | None:
    first = block.text.splitlines()[0] if block.text.strip() else ""
    m = re.match(r"#\s*(\S+\.ya?ml)\b", first)
    return m.group(1) if m else None


def _reads_results(line: str) -> bool:
    return bool(re.match(r"peftbench (show|report|compare) ", line))


def _command_id(command: Command) -> str:
    return f"{command.where} {command.line[:60]}"


COMMANDS = all_commands()


def _slow(line: str) -> bool:
    """Reading results waits for a real run of the declared example; `prepare` converts the
    default model (over a minute on 2 cores)."""
    return _reads_results(line) or line.startswith("peftbench prepare ")


COMMAND_PARAMS = [
    pytest.param(c, id=_command_id(c), marks=pytest.mark.slow if _slow(c.line) else ())
    for c in COMMANDS
]


def test_the_docs_have_commands() -> None:
    """The extraction finds what it should (a broken pattern must not make every test vanish)."""
    lines = {c.line for c in COMMANDS}
    assert "peftbench run default --dry-run" in lines
    assert any(line.startswith("peftbench show results/mine") for line in lines)
    assert len(COMMANDS) >= 30


def test_commands_not_run_here_are_marked_and_listed() -> None:
    """Every `# needs:` command is in tests/data/docs/not_run.yaml with its reason, and back."""
    listed = yaml.safe_load(NOT_RUN.read_text())
    marked = [{"command": c.line, "needs": c.needs} for c in COMMANDS if c.needs]
    assert sorted(marked, key=str) == sorted(listed, key=str)


@pytest.mark.parametrize("command", COMMAND_PARAMS)
def test_command_runs(command: Command, workspace: Path, request: pytest.FixtureRequest) -> None:
    if command.needs:
        pytest.skip(f"not run here: needs {command.needs}")
    line = command.line
    if line.startswith("pip install "):
        extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
        (spec,) = shlex.split(line)[2:]
        extra = re.fullmatch(r"peftbench\[([\w,]+)\]", spec)
        assert extra, spec
        for name in extra.group(1).split(","):
            assert name in extras["optional-dependencies"], spec
        return
    if line.startswith("make "):
        proc = _shell(workspace, f"make -n {line.split()[1]}", cwd=ROOT)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return
    if _reads_results(line):
        out = request.getfixturevalue("results")
        line = line.replace("<run_id>", sorted(p.name for p in (out / "runs").iterdir())[0])
    elif line.startswith("peftbench run ") and "--dry-run" not in line:
        line += " --dry-run"
    if re.search(r"--backend ray|--address", line) and importlib.util.find_spec("ray") is None:
        missing("Ray", "pip install 'peftbench[ray]'")  # a dry run checks the backend's library
    proc = _shell(workspace, line)
    assert proc.returncode == 0, f"{command}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stderr


def test_yaml_blocks_are_valid(workspace: Path) -> None:
    """A block naming an example file holds that file's settings; any other is a valid piece of
    a suite (checked on top of the smoke suite, as `--dry-run` would)."""
    from peftbench.suite import load_suite

    checked = 0
    for block in (b for b in blocks() if b.lang == "yaml"):
        target, data = _file_of(block), yaml.safe_load(block.text)
        if target and target.startswith("examples/"):
            assert data == yaml.safe_load((ROOT / target).read_text()), block.where
        elif target:
            load_suite(str(workspace / target))
        else:
            load_suite("smoke", layers=[data])
        checked += 1
    assert checked >= 4


def test_python_block_is_a_working_plugin(workspace: Path) -> None:
    (plugin,) = [b for b in blocks() if b.lang == "python" and "register(" in b.text]
    listing = _peftbench(workspace, "--plugins", "plugins", "ls", "methods")
    assert listing.returncode == 0, listing.stderr[-3000:]
    name = re.search(r'name="(\w+)"', plugin.text)
    assert name and name.group(1) in listing.stdout
    dry = _peftbench(workspace, "--plugins", "plugins", "run", "smoke", "--dry-run",
                     "--set", f"methods=[{name.group(1)}]")  # fmt: skip
    assert dry.returncode == 0, dry.stderr[-3000:]


def _example_suites() -> list[Path]:
    """Files under examples/ that are suites (they name models, methods and datasets)."""
    suites = []
    for path in sorted(EXAMPLES.rglob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        if isinstance(data, dict) and {"models", "methods", "datasets"} <= data.keys():
            suites.append(path)
    return suites


def test_every_example_file_is_used_by_an_example_suite() -> None:
    suites = _example_suites()
    assert suites
    texts = "\n".join(p.read_text() for p in EXAMPLES.rglob("*.yaml"))
    for path in (p for p in EXAMPLES.rglob("*") if p.is_file() and p not in suites):
        assert str(path.relative_to(path.parent.parent)) in texts or path.name in texts, path


@pytest.mark.parametrize("suite", _example_suites(), ids=lambda p: str(p.relative_to(ROOT)))
def test_example_suite_is_valid_as_shipped(suite: Path, workspace: Path) -> None:
    """The command the example names, as a dry run: its own model, every check up front."""
    line = f"peftbench run {suite.relative_to(ROOT)} --dry-run --out {workspace / 'dry'}"
    proc = _shell(workspace, line, cwd=ROOT)  # from the repository's root, as the README says
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.slow  # a real run of four cells on the tiny model: about a minute on 2 cores
@pytest.mark.parametrize("suite", _example_suites(), ids=lambda p: str(p.relative_to(ROOT)))
def test_example_suite_runs_for_real_on_the_tiny_model(
    suite: Path, example_runs: dict[Path, Path]
) -> None:
    runs = sorted((example_runs[suite] / "runs").iterdir())
    assert runs
    for run in runs:
        status = json.loads((run / "status.json").read_text())
        assert status["status"] == "ok", (run.name, status.get("error"))
