"""The notebooks are committed clean and in step with their py:percent twins.

Every ``notebooks/*.ipynb`` has a ``notebooks/*.py`` twin (jupytext, py:percent) and the
other way round; the two hold the same cells (type and source); the notebook has no
outputs and no execution counts; exactly one cell is tagged ``parameters``, in both; and
the notebook opens with a markdown cell saying what it is for and how to run it.
Edit the twin, then ``jupytext --to ipynb --update notebooks/X.py``.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))


def parameters_cells(notebook) -> list:
    return [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]


def test_every_notebook_has_a_twin_and_every_twin_a_notebook():
    assert NAMES, f"no notebooks in {NOTEBOOKS}"
    assert NAMES == sorted(p.stem for p in NOTEBOOKS.glob("*.py"))


@pytest.mark.parametrize("name", NAMES)
def test_the_notebook_has_no_outputs_or_execution_counts(name):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    dirty = [
        i
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert dirty == [], f"cells {dirty} hold outputs: clear them before committing"


@pytest.mark.parametrize("name", NAMES)
def test_the_notebook_and_its_twin_hold_the_same_cells(name):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    twin = jupytext.read(NOTEBOOKS / f"{name}.py")
    assert [(c.cell_type, c.source) for c in notebook.cells] == [
        (c.cell_type, c.source) for c in twin.cells
    ], f"regenerate it: jupytext --to ipynb --update notebooks/{name}.py"


@pytest.mark.parametrize("name", NAMES)
def test_one_cell_is_tagged_parameters_in_both(name):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    twin = jupytext.read(NOTEBOOKS / f"{name}.py")
    [cell] = parameters_cells(notebook)
    [twin_cell] = parameters_cells(twin)
    assert cell.cell_type == "code" and cell.source == twin_cell.source
    assert notebook.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("name", NAMES)
def test_the_notebook_opens_with_its_purpose_and_how_to_run_it(name):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    first = notebook.cells[0]
    assert first.cell_type == "markdown"
    assert first.source.startswith(f"# {name[:2]} · ")
    assert "**What it is for.**" in first.source
    assert "**How to run it.**" in first.source
    assert f"papermill notebooks/{name}.ipynb" in first.source  # the headless command
