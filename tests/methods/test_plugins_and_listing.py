"""Plugin methods from a folder (`--plugins DIR` / $PEFTBENCH_PLUGINS) and `peftbench ls methods`.

Everything runs through the real command line in a subprocess, so the plugin never enters this
test process's registry (the contract tests parametrise over that registry).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cli_util import peftbench as run_cli

PLUGIN = textwrap.dedent(
    '''
    """A user's method, outside peftbench: LoRA of rank 2 on the query projection."""
    from peftbench.methods import Method, register


    def build(model, loaded, params):
        from peft import LoraConfig, get_peft_model

        from peftbench.models.targets import resolve_targets

        p = dict(params)
        targets = resolve_targets(loaded.model_type, p.pop("target_modules"))
        return get_peft_model(model, LoraConfig(task_type="CAUSAL_LM", target_modules=targets, **p))


    register(
        Method(
            name="tiny_plugin_lora",
            family="reparameterised",
            provider="peft",
            description="a plugin method for the tests",
            build=build,
            preset={"learning_rate": 1e-2, "r": 2, "target_modules": ["query"]},
            mergeable=True,
        )
    )
    '''
)


def peftbench(
    *args: str, env: dict[str, str] | None = None, cwd: Path
) -> subprocess.CompletedProcess[str]:
    """The real command line without the developer's plugins."""
    full = {"TOKENIZERS_PARALLELISM": "false", **(env or {})}
    return run_cli(*args, cwd=cwd, env=full, drop=("PEFTBENCH_PLUGINS",), timeout=300)


@pytest.fixture()
def plugins(tmp_path: Path) -> Path:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "my_method.py").write_text(PLUGIN)
    (folder / "_helper.py").write_text("raise RuntimeError('files starting with _ are skipped')\n")
    return folder


def _row(listing: str, name: str) -> str:
    return next(line for line in listing.splitlines() if line.startswith(name + " "))


def test_ls_methods_lists_a_plugin_from_the_command_line_folder(plugins: Path) -> None:
    proc = peftbench("--plugins", str(plugins), "ls", "methods", cwd=plugins.parent)
    assert proc.returncode == 0, proc.stderr
    row = _row(proc.stdout, "tiny_plugin_lora")
    assert "plugin peftbench_plugin_my_method_" in row and "reparameterised" in row
    assert "built-in" in _row(proc.stdout, "lora")


def test_the_environment_variable_works_too(plugins: Path) -> None:
    proc = peftbench("ls", "methods", env={"PEFTBENCH_PLUGINS": str(plugins)}, cwd=plugins.parent)
    assert proc.returncode == 0, proc.stderr
    assert "tiny_plugin_lora" in proc.stdout


def test_the_params_column_counts_trainable_parameters_on_tiny_llama() -> None:
    """In process, on registered methods plus one defined here (so nothing is registered)."""
    from peftbench.method_listing import method_table
    from peftbench.methods import METHODS, Method

    local = Method(
        name="local_lora",
        family="reparameterised",
        provider="peft",
        description="defined in a test module",
        build=METHODS.get("lora").build,
        preset={"learning_rate": 1e-2, "r": 2, "target_modules": ["query"]},
    )
    wanted = [METHODS.get(n) for n in ("lora", "frozen", "full", "qlora")] + [local]
    head, rows = method_table(wanted, with_params=True)
    at = head.index("trainable on tiny-llama")
    col = {r[0]: r[at] for r in rows}
    assert col["lora"] == "12288 (14.07%)"  # r16 on k, v, down per layer: 2 * 16 * (96+96+192)
    assert col["local_lora"] == "512 (0.59%)"  # r2 on q (64 -> 64): 2 layers * 2 * 128
    assert col["frozen"] == "0 (0.00%)" and col["full"] == "87360 (100.00%)"
    assert col["qlora"] == "needs CUDA GPU" or col["qlora"].endswith("%)")


def test_a_plugin_method_runs_through_the_pipeline(plugins: Path, tmp_path: Path) -> None:
    """The local backend runs the cell in a child process: it must see the plugin too."""
    out = tmp_path / "out"
    proc = peftbench(
        "--plugins",
        str(plugins),
        "run",
        "smoke",
        "--set",
        "methods=[tiny_plugin_lora]",
        "--set",
        "datasets=[toy-addition]",
        "--set",
        "training.max_steps=2",
        "--set",
        "evaluation.max_eval_examples=4",
        "--out",
        str(out),
        "--no-progress",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    records = list((out / "runs").glob("*tiny_plugin_lora*/status.json"))
    assert len(records) == 1 and '"ok"' in records[0].read_text()


def test_a_broken_plugin_or_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "oops.py").write_text("import no_such_module_anywhere\n")
    proc = peftbench("--plugins", str(broken), "ls", "methods", cwd=tmp_path)
    assert proc.returncode == 2
    assert "oops.py failed to load" in proc.stderr and "Traceback" not in proc.stderr
    proc = peftbench("--plugins", str(tmp_path / "nowhere"), "ls", "methods", cwd=tmp_path)
    assert proc.returncode == 2 and "does not exist" in proc.stderr


def test_plain_ls_methods_does_not_import_torch(tmp_path: Path) -> None:
    code = (
        "import sys; from peftbench.listing import listing; listing('methods'); "
        "print('torch' in sys.modules, 'peft' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.stdout.split() == ["False", "False"], proc.stderr
