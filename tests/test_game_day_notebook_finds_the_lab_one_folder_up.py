"""The README starts the lab at the workbook's root and JupyterLab runs the notebooks in
``notebooks/``: the game-day notebook finds that lab one folder up. Without any lab, the
notebook shows one line saying where it looked and what to run, not a traceback."""

from __future__ import annotations

import json

import pytest

from bookstore_resil.errors import TargetError
from bookstore_resil.lab.state import ENV_STATE_DIR, resolve_state_dir
from bookstore_resil.targets import get_target


@pytest.fixture
def workbook(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_STATE_DIR, raising=False)
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    return tmp_path


def started_lab(folder):
    (folder / ".lab").mkdir()
    (folder / ".lab" / "lab.json").write_text(json.dumps({"router_port": 1, "cdn_port": 2}))
    return folder / ".lab"


def test_from_notebooks_the_lab_of_the_folder_above_is_found(workbook):
    above = started_lab(workbook)
    assert resolve_state_dir() == above


def test_a_lab_in_the_notebooks_folder_itself_comes_first(workbook):
    started_lab(workbook)
    here = started_lab(workbook / "notebooks")
    assert resolve_state_dir() == here


def test_without_a_lab_the_current_folder_is_where_lab_up_would_start_one(workbook):
    assert resolve_state_dir() == workbook / "notebooks" / ".lab"


def test_no_lab_is_one_line_in_a_notebook(workbook):
    with pytest.raises(TargetError) as raised:
        get_target("lab").check_ready()
    [line] = raised.value._render_traceback_()  # what IPython shows instead of the frames
    assert line.startswith("TargetError: lab: no lab in ")
    assert "bookstore-resil lab up" in line and "\n" not in line
