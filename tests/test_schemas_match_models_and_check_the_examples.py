"""The JSON Schemas come from the loader's models, ship beside the examples (each example
file names its schema on its first line, by a relative path that holds in a checkout and in
the installed package), and check the files as an editor would."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from bookstore_resil import workbook
from bookstore_resil.cli import main
from bookstore_resil.define.schema import MODELS, SCHEMA_DIR, file_name, json_schema

DATA = Path(__file__).resolve().parents[1] / "data"
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(?P<path>\S+)$")
KINDS = {"system.yaml": "system", "contacts.yaml": "contacts", "target.yaml": "target"}


def files_with_schemas(system: Path) -> list[tuple[str, Path]]:
    """Each file of a system folder that has a schema, with its kind."""
    found = [(kind, system / name) for name, kind in KINDS.items() if (system / name).is_file()]
    return found + [("playbook", p) for p in sorted(system.glob("playbooks/*.yaml"))]


EXAMPLE_FILES = [
    (kind, str(path.relative_to(DATA)))
    for system in sorted(DATA.iterdir())
    if (system / "system.yaml").is_file()
    for kind, path in files_with_schemas(system)
]


def validator(kind: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json_schema(kind))


@pytest.mark.parametrize("kind", list(MODELS))
def test_the_shipped_schema_is_the_models_own(kind):
    shipped = json.loads((DATA / SCHEMA_DIR / file_name(kind)).read_text(encoding="utf-8"))
    assert shipped == json_schema(kind), "run: bookstore-resil schema --out data/schemas"
    jsonschema.Draft202012Validator.check_schema(shipped)


@pytest.mark.parametrize(("kind", "relative"), EXAMPLE_FILES)
@pytest.mark.parametrize("root", [DATA, workbook.examples_dir()], ids=["checkout", "package"])
def test_each_example_names_its_schema_and_passes_it(kind, relative, root):
    path = root / relative
    first = path.read_text(encoding="utf-8").splitlines()[0]
    named = MODELINE.match(first)
    assert named, f"{path}: first line {first!r}"
    assert (path.parent / named["path"]).resolve() == (
        root / SCHEMA_DIR / file_name(kind)
    ).resolve()
    errors = list(validator(kind).iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert errors == []


def test_the_schema_flags_what_validate_refuses_field_by_field():
    system = yaml.safe_load((DATA / "bookstore/system.yaml").read_text(encoding="utf-8"))
    system["services"][0]["rto"] = 12  # a bare number: no unit
    system["services"][0]["colour"] = "red"
    system["services"][1]["depends_on"] = ["Not An Id", {"service": "cdn", "critical": "maybe"}]
    found = sorted(
        ("/".join(map(str, e.absolute_path)), e.validator)
        for e in validator("system").iter_errors(system)
    )
    assert found == [
        ("services/0", "additionalProperties"),
        ("services/0/rto", "type"),
        ("services/1/depends_on/0", "anyOf"),
        ("services/1/depends_on/1", "anyOf"),
    ]


def test_the_schema_command_prints_one_and_writes_them_all(tmp_path, capsys):
    assert main(["schema", "playbook"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema("playbook")
    assert main(["schema", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(map(file_name, MODELS))
    assert main(["schema", "aws"]) == 2
    assert (
        "no schema of 'aws' (known: system, contacts, playbook, target)" in capsys.readouterr().err
    )


@pytest.mark.parametrize("example", ["bookstore", "guestbook", "blank"])
def test_a_folder_made_by_init_keeps_its_schemas_beside_the_system(tmp_path, example):
    assert main(["init", str(tmp_path / "wb"), "--example", example, "-q"]) == 0
    system = tmp_path / "wb" / "system"
    for kind, path in files_with_schemas(system):
        named = MODELINE.match(path.read_text(encoding="utf-8").splitlines()[0])
        schema = json.loads((path.parent / named["path"]).read_text(encoding="utf-8"))
        assert schema == json_schema(kind)
        errors = jsonschema.Draft202012Validator(schema).iter_errors(
            yaml.safe_load(path.read_text(encoding="utf-8"))
        )
        assert list(errors) == []
