"""Importing the package (model, loader, CLI) pulls in none of the heavy libraries.

The CLI starts on every command and the model is imported everywhere, so the heavy
libraries are imported where they are used. pandas, which parses durations, comes with the
first system loaded, not with the import; the second test shows the probe sees it then.
"""

from __future__ import annotations

import json
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


def test_loading_a_system_imports_pandas():
    code = f"{IMPORTS}\nbookstore_resil.define.loader.load_system({str(BOOKSTORE)!r})"
    assert "pandas" in heavy_modules_after(code)
