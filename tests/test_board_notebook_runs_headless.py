"""Notebook 05 (the organisation board) runs headless with papermill with its parameters and
from an ``init`` workbook, where its ``systems`` points at the workbook's own system (on its
defaults it runs under nbval, in place: tests/test_notebooks_under_nbval.py)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill
import pytest

from bookstore_resil.archive.notebooks import local_kernel_class
from bookstore_resil.workbook.init import init_workbook
from tests.test_board_orders_systems_by_risk_from_their_archives import archive, summary
from tests.test_notebooks_execute_with_papermill import execute, mime_types, text_of

pytestmark = pytest.mark.slow  # a kernel

REPO = Path(__file__).resolve().parents[1]


def test_with_its_parameters_the_grid_shows_each_last_outcome(tmp_path):
    out = tmp_path / "archives"
    archive(out, "team/a", summary(outcome="failed", rto_met=False))
    notebook = execute(
        "05_board", tmp_path / "out.ipynb", cwd=tmp_path, systems=[str(REPO / "data")],
        out_dir=str(out),
    )  # fmt: skip
    text = text_of(notebook)
    assert "Resilience board" in text and "Bookstore" in text and "Guestbook" in text
    assert "image/png" in mime_types(notebook)  # the stage chart
    assert "api-failure · missed !" in text  # the board's chip
    grid = next(c for c in notebook.cells if "styled_grid" in c.source)
    assert "missed" in grid.outputs[0]["data"]["text/html"]


def test_an_init_workbook_boards_its_own_system(tmp_path):
    made = init_workbook(tmp_path / "workbook", "guestbook")
    copy = nbformat.read(made.notebooks / "05_board.ipynb", as_version=4)
    [cell] = [c for c in copy.cells if "parameters" in c.metadata.get("tags", [])]
    assert cell.source.startswith('systems = "system"  #')
    output = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(made.notebooks / "05_board.ipynb"), str(output), kernel_name="python3",
        kernel_manager_class=local_kernel_class(),
        cwd=str(made.notebooks), progress_bar=False, execution_timeout=120,
    )  # fmt: skip
    text = json.dumps(nbformat.read(output, as_version=4).cells[-1].outputs)
    assert "Guestbook" in text and "Bookstore" not in text
