"""Importing the package (model, loader, CLI) pulls in none of the heavy libraries.

The CLI starts on every command and the model is imported everywhere, so the heavy
libraries are imported where they are used. pandas parses the durations a definition writes
in a form of its own ("1h 30min"); the plain ones ("12h", "30min") are read without it, so
loading the Bookstore does not import it, and the last test shows the probe sees pandas
when a duration needs it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

HEAVY = (
    "matplotlib",
    "boto3",
    "botocore",
    "django",
    "papermill",
    "networkx",
    "pandas",
    "requests",
    "IPython",
    "ipywidgets",
)
IMPORTS = (
    "import bookstore_resil, bookstore_resil.define.model, bookstore_resil.define.loader, "
    "bookstore_resil.cli"
)
BOOKSTORE = Path(__file__).parents[1] / "data" / "bookstore"


def heavy_modules_after(code: str) -> list[str]:
    """The heavy libraries in sys.modules once ``code`` has run in a fresh interpreter."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(result.stdout)


def test_importing_the_package_imports_no_heavy_library():
    assert heavy_modules_after(IMPORTS) == []


def load_code(folder: Path) -> str:
    return f"{IMPORTS}\nbookstore_resil.define.loader.load_system({str(folder)!r})"


def test_loading_a_definition_with_plain_durations_imports_no_pandas():
    assert "pandas" not in heavy_modules_after(load_code(BOOKSTORE))


def test_a_duration_only_pandas_reads_imports_pandas(tmp_path):
    folder = shutil.copytree(BOOKSTORE, tmp_path / "bookstore")
    system = folder / "system.yaml"
    text = system.read_text(encoding="utf-8")
    assert "rto: 12h" in text
    system.write_text(text.replace("rto: 12h", "rto: 11h 60min", 1), encoding="utf-8")
    assert "pandas" in heavy_modules_after(load_code(folder))
