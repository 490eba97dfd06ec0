"""Suite validation, deep merge, overrides, run ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from peftbench.config.loader import parse_override
from peftbench.config.validate import deep_merge
from peftbench.errors import UserError
from peftbench.suite import expand, load_suite

SMOKE = """
models: [tiny-llama]
methods: [frozen, lora]
datasets: [toy-addition]
training: {max_steps: 2}
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "suite.yaml"
    path.write_text(text)
    return str(path)


def test_valid_suite_loads_with_defaults(tmp_path: Path) -> None:
    suite = load_suite(write(tmp_path, SMOKE))
    assert suite.name == "suite"
    assert suite.training.max_steps == 2
    assert suite.training.batch_size == 4  # schema default
    assert suite.seeds == (42,)


@pytest.mark.parametrize(
    ("text", "needle", "hint"),
    [
        (SMOKE + "trainig: {}\n", "unknown key 'trainig'", "did you mean 'training'"),
        (
            SMOKE.replace("max_steps", "max_step"),
            "unknown key 'max_step' in 'training'",
            "did you mean 'max_steps'",
        ),
        (
            SMOKE.replace("max_steps: 2", "max_steps: many"),
            "'training.max_steps' must be an integer",
            None,
        ),
        (SMOKE.replace("lora]", "loraa]"), "unknown method 'loraa'", "did you mean 'lora'"),
        (
            SMOKE.replace("toy-addition", "toy-adition"),
            "unknown dataset 'toy-adition'",
            "did you mean 'toy-addition'",
        ),
        (
            SMOKE.replace("tiny-llama", "tiny-lama"),
            "unknown model 'tiny-lama'",
            "did you mean 'tiny-llama'",
        ),
        (
            SMOKE + "method_params: {lora: {rank: 4}}\n",
            "unknown key 'rank' in 'method_params.lora'",
            None,
        ),
        (SMOKE + "backend: rayy\n", "'backend' is 'rayy'", "did you mean 'ray'"),
        ("models: [tiny-llama\n", "not valid YAML", None),
    ],
)
def test_bad_suites_fail_clearly(tmp_path: Path, text: str, needle: str, hint: str | None) -> None:
    with pytest.raises(UserError) as err:
        load_suite(write(tmp_path, text))
    assert needle in err.value.message
    if hint:
        assert hint in (err.value.hint or "")


def test_unknown_suite_name_suggests() -> None:
    with pytest.raises(UserError) as err:
        load_suite("defualt")
    assert "did you mean 'default'" in (err.value.hint or "")


def test_deep_merge_is_deep_and_overrides_win() -> None:
    base = {"training": {"max_steps": 5, "batch_size": 8}, "seeds": [1, 2]}
    merged = deep_merge(base, {"training": {"max_steps": 9}, "seeds": [3]})
    assert merged == {"training": {"max_steps": 9, "batch_size": 8}, "seeds": [3]}
    assert base["training"]["max_steps"] == 5  # inputs untouched


def test_cli_overrides_beat_suite_file(tmp_path: Path) -> None:
    suite = load_suite(
        write(tmp_path, SMOKE), ["training.max_steps=7", "seeds=[1, 2]", "method_params.lora.r=4"]
    )
    assert suite.training.max_steps == 7
    assert suite.seeds == (1, 2)
    lora = next(r for r in expand(suite) if r.method == "lora")
    assert lora.method_params["r"] == 4
    assert lora.method_params["lora_alpha"] == 16  # rest of the preset kept


def test_parse_override_reads_yaml_values() -> None:
    assert parse_override("a.b=1e-3") == {"a": {"b": 1e-3}} or parse_override("a.b=1e-3") == {
        "a": {"b": "1e-3"}
    }
    assert parse_override("x=true") == {"x": True}
    with pytest.raises(UserError):
        parse_override("no-equals-sign")


def test_run_ids_are_stable_and_change_with_config(tmp_path: Path) -> None:
    a = {r.run_id for r in expand(load_suite(write(tmp_path, SMOKE)))}
    b = {r.run_id for r in expand(load_suite(write(tmp_path, SMOKE)))}
    assert a == b and len(a) == 2
    c = {r.run_id for r in expand(load_suite(write(tmp_path, SMOKE), ["training.max_steps=3"]))}
    assert not (a & c)
    one = sorted(a)[0]
    assert one.startswith("tiny-llama__toy-addition__")


def test_builtin_suites_validate() -> None:
    for name in ("default", "smoke"):
        assert expand(load_suite(name))
