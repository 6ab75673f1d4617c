"""The game-day notebook executes headless with papermill on its default parameters, and
``papermill --help-notebook`` documents every notebook's parameters (papermill's own command,
run in this process: it reads the notebook and starts no kernel).

Only what would write into the repository is redirected: 02's ``out_dir`` (and its
``target_options``, to the session's lab). The other notebooks run on their defaults under
nbval (tests/test_notebooks_under_nbval.py) and with parameters in their own tests
(``test_*_notebook_runs_headless.py``, the history's in test_history_table_and_trend.py).
"""

from __future__ import annotations

import ast
import json
import re
import time
from pathlib import Path

import nbformat
import papermill
import pytest
from click.testing import CliRunner
from papermill.cli import papermill as papermill_command

from bookstore_resil.archive.notebooks import local_kernel_class

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
NAMES = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))


def execute(name: str, output: Path, cwd: Path, **parameters) -> nbformat.NotebookNode:
    papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"),
        str(output),
        parameters=parameters,
        kernel_name="python3",
        kernel_manager_class=local_kernel_class(),  # Unix sockets: no TCP port race
        cwd=str(cwd),
        progress_bar=False,
        execution_timeout=120,
    )
    return nbformat.read(output, as_version=4)


def text_of(notebook: nbformat.NotebookNode) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            data = output.get("data", {})
            parts += [data.get(mime, "") for mime in ("text/plain", "text/markdown", "text/html")]
    return "\n".join(parts)


def mime_types(notebook: nbformat.NotebookNode) -> set[str]:
    return {
        mime for c in notebook.cells for o in c.get("outputs", []) for mime in o.get("data", {})
    }


@pytest.mark.timeout(180)
def test_02_game_day_on_its_defaults_shows_the_panel_and_lets_the_kernel_go(lab, tmp_path):
    began = time.monotonic()
    notebook = execute(
        "02_game_day",
        tmp_path / "out.ipynb",
        cwd=NOTEBOOKS,
        out_dir=str(tmp_path / "reports"),
        target_options={"state_dir": str(lab.root)},
    )
    # The panel's clock and probe threads must not hold the kernel's shutdown.
    assert time.monotonic() - began < 60
    assert "application/vnd.jupyter.widget-view+json" in mime_types(notebook)
    assert "The exercise is still running" in text_of(notebook)
    [log] = (tmp_path / "reports").glob("*/events.jsonl")
    kinds = [json.loads(line)["type"] for line in log.read_text().splitlines()]
    assert kinds[:2] == ["exercise_started", "probes_started"]
    assert "fault_injected" not in kinds  # interactive: nothing breaks until Start


def assigned_names(source: str) -> list[str]:
    """The names a parameters cell assigns, in order."""
    names = []
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def help_texts(cli_output: str) -> dict[str, str]:
    """``name: help`` from ``papermill --help-notebook``: the help follows the
    ``(default ...)`` on the same line, or on the next, indented."""
    listing = cli_output.split("Parameters inferred for notebook", 1)[1].splitlines()[1:]
    helps: dict[str, str] = {}
    name = None
    for line in listing:
        match = re.match(r"^  (\w+): .*?\(default .*?\)(.*)$", line)
        if match:
            name = match.group(1)
            helps[name] = match.group(2).strip()
        elif name and line.startswith("   "):
            helps[name] = f"{helps[name]} {line.strip()}".strip()
    return helps


@pytest.mark.parametrize("name", NAMES)
def test_help_notebook_documents_every_parameter(name):
    path = NOTEBOOKS / f"{name}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    [cell] = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    result = CliRunner().invoke(papermill_command, ["--help-notebook", str(path)])
    assert result.exit_code == 0, result.output
    helps = help_texts(result.stdout)
    # papermill skips a line it cannot parse (a second "=" in its comment, for one).
    assert list(helps) == assigned_names(cell.source), result.stdout
    assert [p for p, text in helps.items() if len(text) < 10] == [], result.stdout
