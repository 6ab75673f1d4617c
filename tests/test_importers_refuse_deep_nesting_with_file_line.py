"""A file nested far deeper than any catalog or experiment (100,000 levels, in JSON or in
YAML) given to an importer is one ``FILE:LINE`` problem and exit 2, as ``validate`` gives,
never "unexpected RecursionError"."""

from __future__ import annotations

import shutil

import pytest

from bookstore_resil.cli import main
from tests.dependency_builders import BOOKSTORE

DEPTH = 100_000
DEEP = {
    "json": "{\n" + '"kind": "Component",\n"spec": ' + "[" * DEPTH + "]" * DEPTH + "\n}\n",
    "yaml": "kind: Component\nspec:\n  a: " + "{a: " * DEPTH + "1" + "}" * DEPTH + "\n",
}


@pytest.mark.parametrize("suffix", sorted(DEEP))
def test_import_backstage_refuses_deep_nesting_with_file_line(suffix, tmp_path, capsys):
    catalog = tmp_path / f"catalog-info.{suffix}"
    catalog.write_text(DEEP[suffix])
    assert main(["import-backstage", str(catalog), "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"{catalog}:3: (yaml): nested more than 100 levels deep\n"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("suffix", sorted(DEEP))
def test_import_chaostoolkit_refuses_deep_nesting_with_file_line(suffix, tmp_path, capsys):
    experiment = tmp_path / f"experiment.{suffix}"
    experiment.write_text(DEEP[suffix])
    data = shutil.copytree(BOOKSTORE, tmp_path / "data")
    assert main(["import-chaostoolkit", str(experiment), "--data", str(data)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"{experiment}:3: (yaml): nested more than 100 levels deep\n"
    assert not (data / "target.yaml").exists()


def test_validate_names_the_line_where_the_nesting_goes_too_deep(tmp_path, capsys):
    data = shutil.copytree(BOOKSTORE, tmp_path / "data")
    playbook = data / "playbooks" / "api-failure.yaml"
    text = playbook.read_text()
    playbook.write_text(text + "extra: " + "[" * DEPTH + "]" * DEPTH + "\n")
    assert main(["validate", "--data", str(data)]) == 2
    line = len(text.splitlines()) + 1
    assert capsys.readouterr().err.splitlines() == [
        f"{playbook}:{line}: (yaml): nested more than 100 levels deep"
    ]
