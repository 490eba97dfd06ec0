"""Where every built-in suite's learning rates come from (issue 22 §1): none chosen by eval
scores. Each suite says it in a `# learning rates:` comment; a suite whose rates come from a
recorded dev-split search ships its trial table beside it (`<suite>.trials.json`, written by
`peftbench tune`), and its rates are that table's choices; a suite that searches at run time
gives every trained method the same trials."""

from __future__ import annotations

import json

import pytest

from peftbench.cli import main
from peftbench.config.loader import builtin_suites
from peftbench.selection import rate_grid
from peftbench.suite import expand, load_suite

SUITES = sorted(builtin_suites())


@pytest.mark.parametrize("name", SUITES)
def test_every_suite_says_where_its_learning_rates_come_from(name: str) -> None:
    text = builtin_suites()[name].read_text()
    assert "# learning rates:" in text, f"{name}.yaml: add a `# learning rates:` source line"
    assert "chosen on eval" not in text


@pytest.mark.parametrize("name", SUITES)
def test_a_shipped_trial_table_is_where_the_suite_rates_come_from(name: str) -> None:
    table_path = builtin_suites()[name].with_suffix(".trials.json")
    if not table_path.exists():
        pytest.skip(f"{name} cites its rates' source instead of a trial table")
    table = json.loads(table_path.read_text())
    suite = load_suite(name)
    settings = table["settings"]
    for method, entry in table["methods"].items():
        assert suite.method_params[method]["learning_rate"] == entry["chosen_learning_rate"]
        grid = rate_grid(entry["preset_learning_rate"], settings["trials"], settings["span"])
        assert entry["grid"] == grid
        for search in entry["searches"]:  # every trial scored (or diverged), none missing
            assert [t["learning_rate"] for t in search["trials"]] == grid
    trained = {s.method for s in expand(load_suite(name, ["selection.trials=2"])) if s.selection}
    assert set(table["methods"]) == trained  # every trained method, the same trial count


def test_the_robust_suite_is_the_default_with_the_full_protocol(
    capsys: pytest.CaptureFixture[str],
) -> None:
    robust, default = load_suite("robust"), load_suite("default")
    assert (robust.models, robust.methods, robust.datasets) == (
        default.models,
        default.methods,
        default.datasets,
    )
    assert robust.training == default.training and robust.evaluation == default.evaluation
    assert robust.selection.trials >= 4 and len(robust.seeds) == 3
    assert main(["run", "robust", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "21 runs" in out
    for method in robust.methods[1:]:  # every trained method: the same 4 rates around its own
        line = next(x for x in out.splitlines() if x.strip().startswith(f"method {method} "))
        assert "searched over [" in line and line.split("[")[1].split("]")[0].count(",") == 3
    frozen = next(x for x in out.splitlines() if x.strip().startswith("method frozen "))
    assert "searched" not in frozen
