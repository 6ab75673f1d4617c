"""The report and history notebooks are committed without outputs, open with what they are
and how to run them, document each parameter, keep code cells short, and match their
jupytext twins."""

from __future__ import annotations

import json
from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PARAMETERS = {
    "03_report": ("archive_dir", "data_dir"),
    "04_history": ("reports_dir", "cadence", "data_dir", "now"),
}


@pytest.mark.parametrize("name", PARAMETERS)
def test_committed_without_outputs_and_with_documented_parameters(name):
    notebook = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())
    first = notebook["cells"][0]
    assert first["cell_type"] == "markdown" and "How to run it" in "".join(first["source"])
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    tagged = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    lines = "".join(tagged[0]["source"]).splitlines()
    assert [line.split(" = ")[0] for line in lines] == list(PARAMETERS[name])
    assert all("  # " in line for line in lines)
    for cell in code[1:]:
        statements = [line for line in "".join(cell["source"]).splitlines() if line.strip()]
        assert len(statements) <= 3, cell["source"]


@pytest.mark.parametrize("name", PARAMETERS)
def test_the_jupytext_twin_has_the_same_cells(name):
    notebook = jupytext.read(NOTEBOOKS / f"{name}.ipynb")
    twin = jupytext.read(NOTEBOOKS / f"{name}.py")
    assert [(c.cell_type, c.source) for c in twin.cells] == [
        (c.cell_type, c.source) for c in notebook.cells
    ]
