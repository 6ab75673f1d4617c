"""notebooks/00_readiness.ipynb runs headless under papermill (kernel python3) against a copy
of the Bookstore, is committed without outputs, and matches its py:percent twin."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import jupytext
import nbformat
import papermill
import pytest

from bookstore_resil.analyse.signoff import record_signoff
from bookstore_resil.archive.notebooks import local_kernel_class
from bookstore_resil.define.loader import load_system
from tests.readiness_builders import copy_bookstore, write_archive

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOK = NOTEBOOKS / "00_readiness.ipynb"
TWIN = NOTEBOOKS / "00_readiness.py"


def outputs_text(notebook) -> str:
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", ""))
            texts.append(output.get("data", {}).get("text/plain", ""))
            texts.append(output.get("data", {}).get("text/html", ""))
    return "\n".join(texts)


@pytest.mark.slow  # a kernel
def test_the_notebook_executes_with_parameters(tmp_path):
    folder = copy_bookstore(tmp_path)
    record_signoff(load_system(folder), "Bob", agree=False, comment="the AMI is a month old")
    reports = tmp_path / "reports"
    write_archive(
        reports, "api-failure", datetime(2024, 5, 1, 16, tzinfo=timezone.utc), mode="interactive"
    )
    executed = tmp_path / "00_readiness.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(executed),
        parameters={
            "data_dir": str(folder),
            "reports_dir": str(reports),
            "at_time": "2024-05-06T16:30:00Z",
        },
        kernel_name="python3",
        kernel_manager_class=local_kernel_class(),
        cwd=str(NOTEBOOKS),
        progress_bar=False,
    )
    notebook = nbformat.read(executed, as_version=4)
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    text = outputs_text(notebook)
    assert "Bookstore: 1 archived exercises; as of 2024-05-06T16:30+00:00" in text
    assert "Reached stage" in text
    assert "latest passed interactive exercise" in text  # the checklist table
    assert "disagreed" in text  # the sign-off table
    assert "primary lead of api-failure" in text  # who to notify
    assert any(
        "image/png" in o.get("data", {}) for c in notebook.cells for o in c.get("outputs", [])
    )  # the org chart
    assert "application/vnd.jupyter.widget-view+json" in str(notebook.cells[-1].outputs)


def test_the_committed_notebook_has_no_outputs_and_a_parameters_cell():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)
    assert notebook.cells[0].cell_type == "markdown"
    [parameters] = [cell for cell in code if "parameters" in cell.metadata.get("tags", [])]
    for name in ("data_dir", "reports_dir", "at_time"):
        assert f"{name} = " in parameters.source
    assert notebook.metadata.kernelspec.name == "python3"


def test_the_notebook_and_its_py_percent_twin_hold_the_same_cells():
    paired = jupytext.read(TWIN)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert [(c.cell_type, c.source) for c in paired.cells] == [
        (c.cell_type, c.source) for c in notebook.cells
    ]
