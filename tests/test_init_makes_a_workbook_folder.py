"""init DIR: the notebooks (pointed at DIR/system), an example system or the blank skeleton,
and DIR/reports, all from what ships inside the package; a folder with anything in it is
refused. The blank skeleton is analysed at once, its TODOs as findings, and validate
refuses it until they are filled in."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import pytest

from bookstore_resil import workbook
from bookstore_resil.archive.notebooks import local_kernel_class
from bookstore_resil.cli import main
from bookstore_resil.define.target_file import load_target_file
from bookstore_resil.workbook.init import examples, init_workbook


def parameters(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return "".join(
        "".join(c["source"]) for c in cells if "parameters" in c["metadata"].get("tags", [])
    )


def test_init_copies_the_bookstore_the_notebooks_and_makes_reports(tmp_path, capsys):
    assert main(["init", str(tmp_path / "wb")]) == 0
    assert "docs/your-own-system.md" in capsys.readouterr().out
    root = tmp_path / "wb"
    assert sorted(p.name for p in root.iterdir()) == ["notebooks", "reports", "schemas", "system"]
    assert list((root / "reports").iterdir()) == []
    compared = filecmp.dircmp(workbook.example("bookstore"), root / "system")
    assert compared.left_only == compared.right_only == compared.diff_files == []
    shipped = sorted(p.name for p in workbook.notebooks_dir().glob("*.ipynb"))
    assert sorted(p.name for p in (root / "notebooks").iterdir()) == shipped
    assert main(["validate", "--data", str(root / "system")]) == 0


def test_the_notebooks_find_the_system_from_their_own_folder(tmp_path):
    made = init_workbook(tmp_path / "wb", "blank")
    game_day = parameters(made.notebooks / "02_game_day.ipynb")
    assert 'data_dir = "system"' in game_day
    assert 'scenario = "app-failure"' in game_day
    assert 'data_dir = "system"' in parameters(made.notebooks / "01_dependency_mapping.ipynb")
    # the report's empty data_dir means "the one the exercise used": it stays empty
    assert 'data_dir = ""' in parameters(made.notebooks / "03_report.ipynb")


def test_blank_is_analysed_with_its_todos_as_findings(tmp_path, capsys):
    assert main(["init", str(tmp_path / "wb"), "--example", "blank"]) == 0
    system = tmp_path / "wb" / "system"
    assert sorted(p.name for p in system.iterdir()) == [
        "contacts.yaml",
        "playbooks",
        "system.yaml",
        "target.yaml",
    ]
    capsys.readouterr()
    assert main(["deps", "--json", "--data", str(system)]) == 0
    captured = capsys.readouterr()
    kinds = {(f["service"], f["kind"]) for f in json.loads(captured.out)["findings"]}
    assert {("app", "objective-unset"), ("database", "objective-unset")} <= kinds
    assert "services[0].rto: cannot read 'TODO'" in captured.err
    for command in (["blast-radius", "database"], ["notify", "app"]):
        assert main([*command, "--data", str(system)]) == 0
    assert main(["validate", "--data", str(system)]) == 2


def test_blank_target_yaml_is_commented_and_runs_nothing_as_written(tmp_path):
    made = init_workbook(tmp_path / "wb", "blank")
    text = (made.system / "target.yaml").read_text(encoding="utf-8")
    assert sum(line.lstrip().startswith("#") for line in text.splitlines()) >= 10
    # its placeholder fault and action fail loudly rather than pretend to work
    assert text.count("TODO: the command that") == 2 and text.count("exit 1") == 2
    # and it is a target.yaml the system target reads as it is
    loaded = load_target_file(made.system)
    assert [probe.name for probe in loaded.probes] == ["app", "database"]


def test_init_refuses_a_folder_with_anything_in_it(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["init", str(tmp_path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"bookstore-resil: error: {tmp_path} exists and is not empty; init makes a new folder"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_init_fills_an_empty_folder(tmp_path):
    assert init_workbook(tmp_path, "blank").system == tmp_path / "system"


def test_an_unknown_example_names_the_known_ones(tmp_path, capsys):
    assert main(["init", str(tmp_path / "wb"), "--example", "nope"]) == 2
    assert f"known: {', '.join(examples())}" in capsys.readouterr().err
    assert not (tmp_path / "wb").exists()


@pytest.mark.slow  # a kernel
def test_the_dependency_notebook_runs_on_the_blank_from_its_folder(tmp_path):
    papermill = pytest.importorskip("papermill")
    made = init_workbook(tmp_path / "wb", "blank")
    out = tmp_path / "executed.ipynb"
    papermill.execute_notebook(
        str(made.notebooks / "01_dependency_mapping.ipynb"),
        str(out),
        kernel_name="python3",
        kernel_manager_class=local_kernel_class(),
        cwd=str(made.notebooks),
        progress_bar=False,
    )
    text = out.read_text(encoding="utf-8")
    assert "warning: " in text and "objective-unset" in text
