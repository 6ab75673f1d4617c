"""notebooks/01_dependency_mapping.ipynb runs headless under papermill from the repo root (from
notebooks/ it runs on its defaults under nbval: tests/test_notebooks_under_nbval.py) and keeps
its charts in the output; it is committed without outputs."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from bookstore_resil.archive.notebooks import local_kernel_class

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "01_dependency_mapping.ipynb"


def outputs(notebook: dict, mime: str) -> list:
    return [
        output["data"][mime]
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        if mime in output.get("data", {})
    ]


def test_committed_notebook_has_no_outputs_and_a_tagged_parameters_cell():
    notebook = json.loads(NOTEBOOK.read_text())
    assert notebook["cells"][0]["cell_type"] == "markdown"
    assert all(not c.get("outputs") for c in notebook["cells"] if c["cell_type"] == "code")
    parameters = [c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert len(parameters) == 1
    source = "".join(parameters[0]["source"])
    for name in ("data_dir", "failed_service", "at_time"):
        line = next(line for line in source.splitlines() if line.startswith(name))
        assert "#" in line, f"{name} needs a comment that documents it"


@pytest.mark.slow  # a kernel
def test_notebook_runs_headless_from_the_repo_root_and_keeps_its_charts(tmp_path):
    papermill = pytest.importorskip("papermill")
    out = tmp_path / "executed.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(out),
        parameters={"failed_service": "cdn", "at_time": "2024-05-01T12:00:00-07:00"},
        kernel_name="python3",
        # Unix sockets: a TCP kernel's ports, picked free a moment before, can be taken by
        # then on a busy machine ("Kernel died before replying to kernel_info").
        kernel_manager_class=local_kernel_class(),
        cwd=str(ROOT),
        progress_bar=False,
    )
    executed = json.loads(out.read_text())
    images = outputs(executed, "image/png")
    assert len(images) == 2  # the graph, and the parameter's blast radius
    assert all(base64.b64decode(png).startswith(b"\x89PNG") for png in images)
    assert outputs(executed, "application/vnd.jupyter.widget-view+json")
    html = "\n".join("".join(table) for table in outputs(executed, "text/html"))
    assert "bookstore-db" in html  # the architecture table
    assert "rto-unmet-by-dependency" in html
    assert "down" in html
