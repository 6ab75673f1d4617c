"""The JSON Schema checks a duration's form as ``validate`` reads it (``rto: banana`` fails in
the editor, not only at ``validate``), and every file the importers write names its schema on
its first line, as the shipped examples do, by a path that leads to it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from bookstore_resil.cli import main
from bookstore_resil.define.schema import json_schema
from bookstore_resil.define.units import DURATION_PATTERN, parse_duration
from tests.dependency_builders import BOOKSTORE

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(?P<path>\S+)$")
READ = ["12h", "30min", "90s", "2d", "1h30min", "0.1s", "500ms", "P2D", "PT12H", "1w"]
READ += ["1 days 02:00:00", "2 days", "10 minutes", "1.5h", "PT0.5S", "02:00:00", "45 s"]
REFUSED = ["banana", "12", "", "P1M", "1y", "12 bananas", "h", "PT", "-5s"]


@pytest.mark.parametrize("text", READ + REFUSED)
def test_the_duration_pattern_accepts_what_validate_reads(text):
    try:
        parse_duration(text)
        read = True
    except ValueError:
        read = False
    assert bool(re.search(DURATION_PATTERN, text)) == read == (text in READ)


def test_todo_passes_the_schema_as_a_system_being_written():
    assert re.search(DURATION_PATTERN, "TODO")  # deps analyses it as unknown


def test_rto_banana_fails_the_schema():
    system = yaml.safe_load((BOOKSTORE / "system.yaml").read_text())
    checker = jsonschema.Draft202012Validator(json_schema("system"))
    assert list(checker.iter_errors(system)) == []
    system["services"][0]["rto"] = "banana"
    [error] = checker.iter_errors(system)
    assert list(error.absolute_path) == ["services", 0, "rto"]


def schema_of(path: Path, kind: str) -> Path:
    named = MODELINE.match(path.read_text().splitlines()[0])
    assert named, path
    schema = (path.parent / named["path"]).resolve()
    assert schema.name == f"{kind}.schema.json" and schema.is_file()
    return schema


def test_import_backstage_writes_files_that_name_their_schema(tmp_path):
    out = tmp_path / "shop"
    catalog = FIXTURES / "backstage" / "examples"
    argv = ["import-backstage", str(catalog), "--entrypoint", "wayback-search", "-q"]
    assert main([*argv, "--out", str(out)]) == 0
    assert schema_of(out / "system.yaml", "system").parent == out / "schemas"
    assert schema_of(out / "contacts.yaml", "contacts").parent == out / "schemas"


def test_import_chaostoolkit_names_the_schemas_beside_the_system(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(BOOKSTORE, data / "bookstore")
    shutil.copytree(BOOKSTORE.parent / "schemas", data / "schemas")
    experiment = FIXTURES / "chaostoolkit" / "kubernetes-kill-pods.json"
    folder = data / "bookstore"
    assert main(["import-chaostoolkit", str(experiment), "--data", str(folder), "-q"]) == 0
    target = schema_of(folder / "target.yaml", "target")
    assert target == (data / "schemas" / "target.schema.json").resolve()
    [playbook] = [p for p in (folder / "playbooks").iterdir() if "pod" in p.name]
    assert schema_of(playbook, "playbook") == (data / "schemas" / "playbook.schema.json").resolve()
    assert not (folder / "schemas").exists()
