"""Every bad input in `bad_inputs.yaml` ends as a clear error with exit code 2 before anything
starts; every entry marked valid passes validation.

"Clear" means: no traceback, the message starts with `error:` (ours) or is argparse's usage error,
and it holds each expected string (the key, the value, what is allowed). "Before anything
starts": the --out folder was not created.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from peftbench.cli import main

TABLE = Path(__file__).with_name("bad_inputs.yaml")
RESULTS = Path(__file__).parents[1] / "data" / "damage" / "results"  # read, never written
ENTRIES: list[dict[str, Any]] = yaml.safe_load(TABLE.read_text(encoding="utf-8"))


def _read_only_folder(tmp: Path) -> Path:
    """A folder nobody can create files in (root ignores permissions, but not /proc)."""
    if os.geteuid() == 0:
        return Path("/proc/peftbench-no-such-folder")
    folder = tmp / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


def _deep(text: str) -> str:
    """`{deep:N}` in a file's text: a JSON list nested N levels deep (too long to inline)."""
    while "{deep:" in text:
        head, _, rest = text.partition("{deep:")
        depth, _, tail = rest.partition("}")
        text = head + "[" * int(depth) + "]" * int(depth) + tail
    return text


def _argv(entry: dict[str, Any], tmp: Path) -> list[str]:
    for name, text in (entry.get("files") or {}).items():
        path = tmp / name
        if name.endswith("/"):
            path.mkdir(parents=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_deep(text), encoding="utf-8")
    for name in entry.get("fifos") or ():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(tmp / name)
    for name, size in (entry.get("grow") or {}).items():
        os.truncate(tmp / name, size)  # sparse: a big file without writing it
    for name, target in (entry.get("links") or {}).items():
        (tmp / name).symlink_to(target.replace("{tmp}", str(tmp)))
    (tmp / "a-file.txt").write_text("not a folder\n")
    places = {"{tmp}": str(tmp), "{file}": str(tmp / "a-file.txt"), "{results}": str(RESULTS)}
    if any("{ro}" in a for a in entry.get("args", [])):
        places["{ro}"] = str(_read_only_folder(tmp))
    if "args" in entry:
        argv = list(entry["args"])
    else:
        suite = "smoke"
        if "suite" in entry or "suite_hex" in entry or "suite_depth" in entry:
            path = tmp / "suite.yaml"
            if "suite_depth" in entry:  # a list nested that deep, under an unknown key
                depth = entry["suite_depth"]
                path.write_text(f"{entry.get('suite', '')}x: {'[' * depth}{']' * depth}\n")
            elif "suite_hex" in entry:
                path.write_bytes(bytes.fromhex(entry["suite_hex"]))
            else:
                path.write_text(entry["suite"], encoding="utf-8")
            suite = str(path)
        argv = ["run", suite, "--out", "{tmp}/r", "--no-progress"]
        for override in entry.get("set", []):
            argv += ["--set", override]
        if entry.get("valid"):
            argv.append("--dry-run")
    for key, value in places.items():
        argv = [a.replace(key, value) for a in argv]
    return argv


def test_table_is_well_formed() -> None:
    ids = [e["id"] for e in ENTRIES]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for e in ENTRIES:
        assert e.get("issue") in (11, 13, 14, 15, 16, 22, 24, 26, "own"), e["id"]
        assert e.get("valid") or e.get("expect"), e["id"]


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["id"] for e in ENTRIES])
def test_bad_input(
    entry: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # --plugins sets $PEFTBENCH_PLUGINS; setenv first records its state (often: absent), so
    # the value main() leaves behind is undone after the test (a bare delenv of an absent
    # variable records nothing, and the value leaked into later tests' subprocesses)
    monkeypatch.setenv("PEFTBENCH_PLUGINS", "")
    monkeypatch.delenv("PEFTBENCH_PLUGINS")
    argv = _argv(entry, tmp_path)
    for key, value in (entry.get("env") or {}).items():
        monkeypatch.setenv(key, value.replace("{tmp}", str(tmp_path)))
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors exit 2 too
        code = exc.code
    err = capsys.readouterr().err
    if entry.get("valid"):
        assert code == 0, err
        return
    assert code == 2, (argv, err)
    assert "Traceback" not in err
    first = err.strip().splitlines()[0]
    assert first.startswith(("error: ", "usage: ")), err
    for needle in entry["expect"]:
        assert needle in err, (needle, err)
    assert not (tmp_path / "r").exists(), "something started"
