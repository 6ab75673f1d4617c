"""The workbook that ships inside the package: the notebooks, the example system folders and
the documentation pages the commands' help names.

In a checkout, ``notebooks``, ``examples`` and ``docs`` here are links to the top-level
``notebooks/``, ``data/`` and ``docs/`` folders; a built wheel holds copies of them. Either
way they are read through :mod:`importlib.resources`, so ``drill``, ``report`` and ``init``
work from a plain ``pip install``.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

GAME_DAY = "02_game_day.ipynb"
REPORT = "03_report.ipynb"
DEFAULT_EXAMPLE = "bookstore"


def _folder(name: str) -> Path:
    # The package is installed as files (setuptools, never zipped): as_file yields the path.
    with as_file(files(__package__) / name) as path:
        return Path(path)


def notebooks_dir() -> Path:
    """The folder of the workbook's notebooks."""
    return _folder("notebooks")


def notebook(name: str) -> Path:
    """One of the workbook's notebooks, ``02_game_day.ipynb`` say."""
    return notebooks_dir() / name


def examples_dir() -> Path:
    """The folder of the example system definitions (``bookstore``, ...)."""
    return _folder("examples")


def example(name: str = DEFAULT_EXAMPLE) -> Path:
    """The system folder of one example."""
    return examples_dir() / name


def docs_dir() -> Path:
    """The folder of the documentation pages (``contract.md``, ``format.md``, ...)."""
    return _folder("docs")
