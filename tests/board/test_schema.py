"""leaderboard.json has a published JSON Schema (docs/leaderboard.schema.json): the file is the
generator's current output, real boards validate against it, and it names every field the
serialiser writes (every object is closed, so an undocumented field fails validation)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from board_util import results

from peftbench.board.build import of_folder
from peftbench.board.model import SCHEMA_VERSION
from peftbench.board.schema import leaderboard_schema
from peftbench.board.serialise import to_json
from peftbench.reports.leaderboard import write
from peftbench.results.folder import read_folder
from peftbench.scoring.constraints import Constraints

DOC = Path(__file__).resolve().parents[2] / "docs" / "leaderboard.schema.json"


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(DOC.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_published_schema_is_current() -> None:
    assert json.loads(DOC.read_text()) == leaderboard_schema(), (
        "regenerate: python -m peftbench.board.schema > docs/leaderboard.schema.json"
    )


@pytest.mark.parametrize("name", ["smoke", "tie_cells"])
def test_a_written_leaderboard_validates(name: str, tmp_path: Path) -> None:
    root = results(name, tmp_path / "in")
    if name == "smoke":  # write into a copy, never into the checked-in folder
        import shutil

        root = Path(shutil.copytree(root, tmp_path / "smoke"))
    write(root)
    written = json.loads((root / "leaderboard.json").read_text())
    assert written["schema_version"] == SCHEMA_VERSION
    errors = [e.message for e in _validator().iter_errors(written)]
    assert errors == []


def test_a_board_with_limits_validates(tmp_path: Path) -> None:
    limits = Constraints(max_train_mem_mib=104.0)
    board = of_folder(read_folder(results("smoke", tmp_path)), limits=limits)
    plain = json.loads(json.dumps(to_json(board)))
    assert plain["constraints"]["within"]
    assert [e.message for e in _validator().iter_errors(plain)] == []


def test_the_schema_covers_every_field_written(tmp_path: Path) -> None:
    """Every object with named fields is closed, so a field the serialiser writes and the schema
    lacks fails validation; shown by adding one."""
    schema = leaderboard_schema()
    for name, node in [("(root)", schema), *schema["$defs"].items()]:
        assert node["additionalProperties"] is False, name
        assert set(node["required"]) == set(node["properties"]), name
    plain = json.loads(json.dumps(to_json(of_folder(read_folder(results("smoke", tmp_path))))))
    plain["rows"][0]["costs"]["undocumented"] = 1.0
    errors = list(_validator().iter_errors(plain))
    assert errors and "undocumented" in errors[0].message


def test_a_failure_names_its_model_and_validates(tmp_path: Path) -> None:
    """A failed run's row names its model (a multi-model report shows it in the model column)."""
    import shutil

    root = Path(shutil.copytree(results("smoke", tmp_path), tmp_path / "failed"))
    status = sorted((root / "runs").glob("*__lora__*"))[0] / "status.json"
    data = json.loads(status.read_text())
    data.update(status="failed", error="RuntimeError: boom")
    status.write_text(json.dumps(data, indent=2))
    board = of_folder(read_folder(root))
    (failure,) = board.failed
    assert failure.model == "tiny-llama" and failure.error == "RuntimeError: boom"
    plain = json.loads(json.dumps(to_json(board)))
    assert plain["failed"][0]["model"] == "tiny-llama"
    assert [e.message for e in _validator().iter_errors(plain)] == []
